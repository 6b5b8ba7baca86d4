// Console components in happy-dom with the API and the confirmation dialogs mocked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '../../src/errors.js'
import { setLocale, setMessages } from '../../src/i18n.js'
import messages from '../../admin/src/locales.js'

vi.mock('../../admin/src/endpoints.js', () => ({
  auth: { login: vi.fn(), changePassword: vi.fn(), confirmMfa: vi.fn(), me: vi.fn(), logout: vi.fn() },
  customers: { get: vi.fn(), reveal: vi.fn(), statement: vi.fn(async () => ({ items: [], next_cursor: null })), evidenceImage: vi.fn() },
  accounts: { setStatus: vi.fn(), close: vi.fn(), pinUnlock: vi.fn() },
  receipts: { reissue: vi.fn(), pdf: vi.fn() },
  day: { businessDate: vi.fn(async () => ({ business_date: '2026-03-02' })) },
}))
vi.mock('../../admin/src/dialogs.js', async (orig) => ({
  ...(await orig()),
  askReason: vi.fn(),
  confirmAction: vi.fn(async () => true),
  toastOk: vi.fn(),
  toastError: vi.fn(),
}))

const od = await import('../../admin/src/endpoints.js')
const dialogs = await import('../../admin/src/dialogs.js')
const { session, applyLoginAnswer } = await import('../../admin/src/session.js')
const { clearToken } = await import('../../admin/src/client.js')
const { default: Login } = await import('../../admin/src/pages/Login.vue')
const { default: MaskedValue } = await import('../../admin/src/components/MaskedValue.vue')
const { default: DataState } = await import('../../admin/src/components/DataState.vue')
const { default: ReceiptTable } = await import('../../admin/src/components/ReceiptTable.vue')
const { default: CustomerDetail } = await import('../../admin/src/pages/CustomerDetail.vue')

setMessages(messages)
setLocale('zh-CN')

function makeRouter(path = '/login') {
  const router = createRouter({
    history: createMemoryHistory('/admin/'),
    routes: [
      { path: '/login', name: 'login', component: Login },
      { path: '/', name: 'home', component: { template: '<div>home</div>' } },
      { path: '/customers/:id', name: 'customer', component: CustomerDetail },
      { path: '/reviews/:id', name: 'review', component: { template: '<div />' } },
    ],
  })
  router.push(path)
  return router
}

const input = (w, name) => w.find(`input[name="${name}"]`)

beforeEach(() => {
  clearToken()
  sessionStorage.clear()
  vi.clearAllMocks()
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('Login', () => {
  it('goes through TOTP, the forced password change and MFA enrolment to the console', async () => {
    const router = makeRouter('/login?redirect=/customers/12')
    await router.isReady()
    const w = mount(Login, { global: { plugins: [router] }, attachTo: document.body })
    await input(w, 'username').setValue('root')
    await input(w, 'password').setValue('one-time-pw')

    od.auth.login.mockRejectedValueOnce(new ApiError({ code: 'MFA_REQUIRED', status: 401 }))
    await w.find('[data-test=login-submit]').trigger('submit')
    await flushPromises()
    expect(input(w, 'otp').exists()).toBe(true)
    expect(od.auth.login).toHaveBeenLastCalledWith({ username: 'root', password: 'one-time-pw', otp: undefined })

    od.auth.login.mockResolvedValueOnce({ token: 't1', staff_id: 1, roles: ['admin'], expires_in: 900, pending: 'password_change', password_change_required: true, mfa_enrolment: null })
    await input(w, 'otp').setValue('123456')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(od.auth.login).toHaveBeenLastCalledWith({ username: 'root', password: 'one-time-pw', otp: '123456' })
    expect(input(w, 'new-password').exists()).toBe(true)
    expect(input(w, 'current-password').exists()).toBe(false) // typed at login already

    await input(w, 'new-password').setValue('short')
    await input(w, 'repeat-password').setValue('short')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(od.auth.changePassword).not.toHaveBeenCalled()
    expect(w.find('[data-test=login-error]').text()).toContain('至少 10 位')

    od.auth.changePassword.mockResolvedValueOnce({ token: 't2', staff_id: 1, roles: ['admin'], pending: 'mfa_enrolment', password_change_required: false, mfa_enrolment: { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/bank:root?secret=JBSWY3DPEHPK3PXP', qr_data_uri: 'data:image/svg+xml;base64,PHN2Zy8+' } })
    await input(w, 'new-password').setValue('n3w-Passw0rd')
    await input(w, 'repeat-password').setValue('n3w-Passw0rd')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(od.auth.changePassword).toHaveBeenCalledWith({ password: 'one-time-pw', newPassword: 'n3w-Passw0rd' })
    expect(w.find('[data-test=mfa-secret]').text()).toBe('JBSW Y3DP EHPK 3PXP')
    expect(w.find('img.od-qr').attributes('src')).toBe('data:image/svg+xml;base64,PHN2Zy8+')

    od.auth.confirmMfa.mockResolvedValueOnce({ token: 't3', staff_id: 1, roles: ['admin'], pending: null, password_change_required: false, mfa_enrolment: null })
    await input(w, 'enrol-otp').setValue('654321')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(od.auth.confirmMfa).toHaveBeenCalledWith('654321')
    expect(session.token).toBe('t3')
    expect(router.currentRoute.value.fullPath).toBe('/customers/12')
    w.unmount()
  })

  it("shows the server's sentence for a wrong password", async () => {
    const router = makeRouter()
    await router.isReady()
    const w = mount(Login, { global: { plugins: [router] } })
    await input(w, 'username').setValue('maker')
    await input(w, 'password').setValue('nope')
    od.auth.login.mockRejectedValueOnce(new ApiError({ code: 'STAFF_LOGIN_FAILED', status: 401, message: 'Wrong.', messageZh: '用户名或密码错误。' }))
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test=login-error]').text()).toContain('用户名或密码错误')
    expect(session.token).toBe('')
  })
})

describe('MaskedValue', () => {
  it('reveals with a reason and hides again', async () => {
    dialogs.askReason.mockResolvedValueOnce('客户临柜核实身份')
    od.customers.reveal.mockResolvedValueOnce({ customer_id: 12, field: 'id_number', value: '440305199001011237' })
    const w = mount(MaskedValue, { props: { customerId: 12, field: 'id_number', masked: '4403**********1237' } })
    expect(w.text()).toContain('4403**********1237')
    await w.find('.od-reveal').trigger('click')
    await flushPromises()
    expect(od.customers.reveal).toHaveBeenCalledWith(12, 'id_number', '客户临柜核实身份')
    expect(w.find('[data-revealed]').text()).toBe('440305199001011237')
  })

  it('asks nothing of the server when the reason is cancelled', async () => {
    dialogs.askReason.mockResolvedValueOnce(null)
    const w = mount(MaskedValue, { props: { customerId: 12, field: 'phone', masked: '138****8000' } })
    await w.find('.od-reveal').trigger('click')
    await flushPromises()
    expect(od.customers.reveal).not.toHaveBeenCalled()
    expect(w.find('[data-revealed]').exists()).toBe(false)
  })

  it('offers no reveal to a role that may not', () => {
    const w = mount(MaskedValue, { props: { customerId: 12, field: 'phone', masked: '138****8000', allowed: false } })
    expect(w.find('.od-reveal').exists()).toBe(false)
  })
})

describe('DataState', () => {
  it('says "not available" for a route the server lacks, and shows empty and error states', async () => {
    const missing = mount(DataState, { props: { missing: true, feature: '暂挂交易' } })
    expect(missing.text()).toContain('尚未开放')
    expect(missing.text()).toContain('暂挂交易')
    const empty = mount(DataState, { props: { empty: true, emptyText: '没有回单' } })
    expect(empty.text()).toContain('没有回单')
    const failed = mount(DataState, { props: { error: new ApiError({ code: 'ROLE_REQUIRED', status: 403, messageZh: '您的岗位角色无权执行此操作。' }) } })
    expect(failed.text()).toContain('无权')
    await failed.find('.od-retry').trigger('click')
    expect(failed.emitted('retry')).toHaveLength(1)
  })
})

describe('ReceiptTable', () => {
  it('re-issues with a reason and reports the new number', async () => {
    dialogs.askReason.mockResolvedValueOnce('客户遗失回单')
    od.receipts.reissue.mockResolvedValueOnce({ receipt_no: 'HD2', supersedes: 'HD1', status: 'signing' })
    const rows = [{ receipt_no: 'HD1', kind: 'top_up', status: 'issued', business_date: '2026-03-02', amount: '500.00' }, { receipt_no: 'HD0', kind: 'top_up', status: 'issued', superseded_by: 'HDX', amount: '1.00' }]
    const w = mount(ReceiptTable, { props: { rows, canReissue: true } })
    await flushPromises()
    const buttons = w.findAll('[data-test=reissue]')
    expect(buttons).toHaveLength(1) // a superseded receipt is not re-issued again
    await buttons[0].trigger('click')
    await flushPromises()
    expect(od.receipts.reissue).toHaveBeenCalledWith('HD1', '客户遗失回单')
    expect(w.emitted('changed')[0][0]).toMatchObject({ receipt_no: 'HD2' })
    expect(w.find('[data-test=reissued]').text()).toContain('HD2')
  })
})

describe('serials on the customer page', () => {
  it('shows each holding\'s certificate number (存单编号)', async () => {
    const { default: HoldingsTable } = await import('../../admin/src/pages/customer/HoldingsTable.vue')
    const rows = [{ id: 42, certificate_no: '318820260000000424', product_code: 'TD1Y', product_name: '1年期', principal: '10000.00', rate: '1.20', start_date: '2026-12-05', maturity_date: '2027-12-05', accrued_interest: '0.00', status: 'active' }]
    const w = mount(HoldingsTable, { props: { rows } })
    await flushPromises()
    expect(w.text()).toContain('存单编号')
    expect(w.text()).toContain('318820260000000424')
  })

  it('shows each statement line\'s transaction serial (交易流水号)', async () => {
    const { default: StatementPanel } = await import('../../admin/src/pages/customer/StatementPanel.vue')
    od.customers.statement.mockResolvedValueOnce({ items: [{ id: '1-2', at: '2026-12-04T16:30:00+00:00', business_date: '2026-12-04', kind: 'top_up', amount: '1.00', balance_after: '1.00', description: '绑定卡充值', reference: 'T1', transaction_serial: '20261205WX000000000007', receipt_no: null }], next_cursor: null })
    const w = mount(StatementPanel, { props: { customerId: 1, accountNo: '6230000000000000013' } })
    await flushPromises()
    expect(w.text()).toContain('交易流水号')
    expect(w.text()).toContain('20261205WX000000000007')
  })
})

describe('CustomerDetail', () => {
  const page = (status, extra = {}) => ({
    customer: { customer_id: 12, name_masked: '张*', id_number_masked: '4403**********1237', phone_masked: '138****8000', kyc_status: 'verified', created_at: null, birth_year: 1990, region_code: '440305', pin: { state: 'locked', failed_attempts: 5, locked_at: null } },
    account: { account_no: '6230580000000000012', account_class: 'II', status, status_reason: 'x', opened_on: '2026-03-01', closed_at: null, balance: '100.00', bound_card: null, limits: [], status_history: [{ from_status: 'normal', to_status: 'frozen', reason: 'x', actor: 'staff:3', at: null }] },
    other_accounts: [], holdings: [], receipts: [], onboarding: [], risk_alerts: [], statement_url: '', ...extra,
  })

  async function open(roles, status) {
    applyLoginAnswer({ token: 't', staff_id: 4, roles, pending: null }, 'someone')
    od.customers.get.mockResolvedValue(page(status))
    const router = makeRouter('/customers/12')
    await router.isReady()
    const w = mount(CustomerDetail, { global: { plugins: [router] } })
    await flushPromises()
    return w
  }

  it('a checker sees "release" on a frozen account; close waits for a zero balance', async () => {
    const w = await open(['checker'], 'frozen')
    expect(w.find('[data-test=release-freeze]').exists()).toBe(true)
    expect(w.find('[data-test=change-status]').exists()).toBe(false)
    expect(w.find('[data-test=close-account]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test=pin-unlock]').attributes('disabled')).toBeUndefined()
    dialogs.askReason.mockResolvedValueOnce('核实后解除')
    od.accounts.setStatus.mockResolvedValueOnce({ status: 'normal' })
    await w.find('[data-test=release-freeze]').trigger('click')
    await flushPromises()
    expect(od.accounts.setStatus).toHaveBeenCalledWith('6230580000000000012', 'normal', '核实后解除')
    expect(od.customers.get).toHaveBeenCalledTimes(2) // reloaded after the change
  })

  it('an operator cannot release a freeze; an auditor changes nothing', async () => {
    const op = await open(['operator'], 'frozen')
    expect(op.find('[data-test=release-freeze]').exists()).toBe(false)
    const aud = await open(['auditor'], 'normal')
    for (const a of ['change-status', 'release-freeze', 'pin-unlock', 'close-account']) expect(aud.find(`[data-test=${a}]`).exists()).toBe(false)
    expect(aud.find('.od-reveal').exists()).toBe(false)
  })
})
