// Every admin call the console makes goes to the path, with the method and body, that api.md
// (Admin API) and the server's OpenAPI name.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as od from '../../admin/src/endpoints.js'

const ok = () => new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } })

let fetchMock
beforeEach(() => {
  sessionStorage.clear()
  fetchMock = vi.fn(async () => ok())
  vi.stubGlobal('fetch', fetchMock)
})
afterEach(() => vi.unstubAllGlobals())

const CASES = [
  ['login', () => od.auth.login({ username: 'u', password: 'p' }), 'POST', '/admin/api/v1/auth/login', { username: 'u', password: 'p' }],
  ['login with otp', () => od.auth.login({ username: 'u', password: 'p', otp: '123456' }), 'POST', '/admin/api/v1/auth/login', { username: 'u', password: 'p', otp: '123456' }],
  ['password', () => od.auth.changePassword({ password: 'a', newPassword: 'b' }), 'POST', '/admin/api/v1/auth/password', { password: 'a', new_password: 'b' }],
  ['mfa confirm', () => od.auth.confirmMfa('654321'), 'POST', '/admin/api/v1/auth/mfa/confirm', { otp: '654321' }],
  ['me', () => od.auth.me(), 'GET', '/admin/api/v1/auth/me', undefined],
  ['logout', () => od.auth.logout(), 'POST', '/admin/api/v1/auth/logout', {}],
  ['staff list', () => od.staff.list(), 'GET', '/admin/api/v1/staff', undefined],
  ['staff create', () => od.staff.create({ username: 'chk', roles: ['checker'] }), 'POST', '/admin/api/v1/staff', { username: 'chk', roles: ['checker'] }],
  ['staff update', () => od.staff.update(7, { roles: ['risk'], disabled: true }), 'PUT', '/admin/api/v1/staff/7', { roles: ['risk'], disabled: true }],
  ['staff reset', () => od.staff.resetPassword(7), 'POST', '/admin/api/v1/staff/7/reset-password', {}],
  ['customer search', () => od.customers.search('1380'), 'GET', '/admin/api/v1/customers?q=1380', undefined],
  ['customer page', () => od.customers.get(12), 'GET', '/admin/api/v1/customers/12', undefined],
  ['reveal', () => od.customers.reveal(12, 'id_number', '客户临柜核实'), 'POST', '/admin/api/v1/customers/12/reveal', { field: 'id_number', reason: '客户临柜核实' }],
  ['statement', () => od.customers.statement(12, { account_no: '6230580000000000012', cursor: '9', limit: 20 }), 'GET', '/admin/api/v1/customers/12/statement?account_no=6230580000000000012&cursor=9&limit=20', undefined],
  ['evidence image', () => od.customers.evidenceImage(12, 5, '核对证件'), 'GET', `/admin/api/v1/customers/12/evidence/5/image?reason=${encodeURIComponent('核对证件')}`, undefined],
  ['status', () => od.accounts.setStatus('6230580000000000012', 'frozen', '涉嫌电诈'), 'POST', '/admin/api/v1/accounts/6230580000000000012/status', { status: 'frozen', reason: '涉嫌电诈' }],
  ['close', () => od.accounts.close('6230580000000000012', '客户申请'), 'POST', '/admin/api/v1/accounts/6230580000000000012/close', { reason: '客户申请' }],
  ['pin unlock', () => od.accounts.pinUnlock('6230580000000000012', '核实本人'), 'POST', '/admin/api/v1/accounts/6230580000000000012/pin-unlock', { reason: '核实本人' }],
  ['receipt search', () => od.receipts.search({ q: 'HD1', kind: 'top_up', from: '2026-01-01', to: '2026-01-31' }), 'GET', '/admin/api/v1/receipts?q=HD1&kind=top_up&from=2026-01-01&to=2026-01-31', undefined],
  ['reissue', () => od.receipts.reissue('HD2025060200000001', '客户遗失'), 'POST', '/admin/api/v1/receipts/HD2025060200000001/reissue', { reason: '客户遗失' }],
  ['product approve', () => od.products.approve('TD1Y'), 'POST', '/admin/api/v1/products/TD1Y/approve', {}],
  ['product reject', () => od.products.reject('TD1Y', '利率有误'), 'POST', '/admin/api/v1/products/TD1Y/reject', { reason: '利率有误' }],
  ['product suspend', () => od.products.suspend('TD1Y', '额度调整'), 'POST', '/admin/api/v1/products/TD1Y/suspend', { reason: '额度调整' }],
  ['rates', () => od.rates.list(), 'GET', '/admin/api/v1/rates', undefined],
  ['rate changes', () => od.rates.changes('pending'), 'GET', '/admin/api/v1/rates/changes?status=pending', undefined],
  ['rate approve', () => od.rates.approve(3), 'POST', '/admin/api/v1/rates/changes/3/approve', { note: '' }],
  ['rate reject', () => od.rates.reject(3, '上限有误'), 'POST', '/admin/api/v1/rates/changes/3/reject', { reason: '上限有误' }],
  ['review approve', () => od.reviews.approve(4, '核验无误'), 'POST', '/admin/api/v1/onboarding/reviews/4/approve', { note: '核验无误' }],
  ['review reject', () => od.reviews.reject(4, '居住证明无法核实'), 'POST', '/admin/api/v1/onboarding/reviews/4/reject', { reason: '居住证明无法核实' }],
  ['esb dead', () => od.esb.messages({ status: 'dead', limit: 20 }), 'GET', '/admin/api/v1/esb/messages?status=dead&limit=20', undefined],
  ['esb retry', () => od.esb.retry('m-1'), 'POST', '/admin/api/v1/esb/messages/m-1/retry', {}],
  ['eod', () => od.day.runEod(), 'POST', '/admin/api/v1/batches/eod', {}],
  ['failures', () => od.day.failures('2026-03-02'), 'GET', '/admin/api/v1/batches/2026-03-02/failures', undefined],
  ['alerts', () => od.risk.alerts({ status: 'open' }), 'GET', '/admin/api/v1/risk/alerts?status=open', undefined],
  ['alert decision', () => od.risk.decide(8, 'dismiss', '误报'), 'POST', '/admin/api/v1/risk/alerts/8/decision', { decision: 'dismiss', reason: '误报' }],
  ['rule', () => od.risk.updateRule('NEW_CARD_LARGE', { action: 'hold', reason: '调整' }), 'PUT', '/admin/api/v1/risk/rules/NEW_CARD_LARGE', { action: 'hold', reason: '调整' }],
  ['hold release', () => od.risk.releaseHold(2, '核实无误'), 'POST', '/admin/api/v1/holds/2/release', { reason: '核实无误' }],
  ['hold return', () => od.risk.returnHold(2, '客户否认'), 'POST', '/admin/api/v1/holds/2/return', { reason: '客户否认' }],
  ['large value', () => od.risk.largeValue('2026-03-02'), 'GET', '/admin/api/v1/reports/large-value?date=2026-03-02', undefined],
  ['funnel', () => od.analytics.funnel('2026-03-01', '2026-03-31'), 'GET', '/admin/api/v1/analytics/funnel?from=2026-03-01&to=2026-03-31', undefined],
  ['daily', () => od.analytics.daily('2026-03-01', '2026-03-31'), 'GET', '/admin/api/v1/analytics/daily?from=2026-03-01&to=2026-03-31', undefined],
  ['funnel csv', () => od.analytics.csv('funnel', '2026-03-01', '2026-03-31'), 'GET', '/admin/api/v1/analytics/funnel?from=2026-03-01&to=2026-03-31&format=csv', undefined],
  ['audit', () => od.audit.list({ before: 90, limit: 50 }), 'GET', '/admin/api/v1/audit?before=90&limit=50', undefined],
  ['audit verify', () => od.audit.verify(), 'GET', '/admin/api/v1/audit/verify', undefined],
]

describe('admin endpoints', () => {
  it.each(CASES)('%s', async (name, call, method, url, body) => {
    await call()
    const [u, init] = fetchMock.mock.calls[0]
    expect(init.method).toBe(method)
    expect(u).toBe(url)
    if (body === undefined) expect(init.body).toBeUndefined()
    else expect(JSON.parse(init.body)).toEqual(body)
  })

  it('the login goes without a token even when one is kept', async () => {
    sessionStorage.setItem('od_staff_token', 'old')
    await od.auth.login({ username: 'u', password: 'p' })
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBeUndefined()
  })

  it('a watch list goes up as a multipart file with the mode', async () => {
    const file = new File(['value,reason\n440305199001011237,惩戒\n'], 'list.csv', { type: 'text/csv' })
    await od.risk.importList('id_number', file, 'replace')
    const [u, init] = fetchMock.mock.calls[0]
    expect(u).toBe('/admin/api/v1/risk/lists/id_number?mode=replace')
    expect(init.body).toBeInstanceOf(FormData)
    expect(init.body.get('file').name).toBe('list.csv')
  })
})
