// Transaction serials (交易流水号) and certificate numbers (存单编号) as the H5 app shows them, the
// X-Channel header every call sends, and statement times in Beijing time (never UTC).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'

vi.mock('../src/api.js', async (importOriginal) => {
  const real = await importOriginal()
  return { ...real, api: { ...real.api, get: vi.fn() } }
})

const realApi = await vi.importActual('../src/api.js')
const { api } = await import('../src/api.js')
const { CHANNEL } = await import('../src/channel.js')
const { setMessages, setLocale } = await import('../src/i18n.js')
const messages = (await import('../m/src/locales.js')).default
const { setupVant } = await import('../m/src/vant.js')
const Transactions = (await import('../m/src/pages/Transactions.vue')).default
const DepositDetail = (await import('../m/src/pages/DepositDetail.vue')).default

const SERIAL = '20261205WX000000000123'
const CERT = '318820260000000424'

const HOLDING = {
  id: 42, product_code: 'TD1Y', product_name: '1年期整存整取', kind: 'time_deposit', term_months: 12,
  principal: '10000.00', original_principal: '10000.00', rate: '1.20', start_date: '2026-12-05',
  maturity_date: '2027-12-05', status: 'active', accrued_interest: '0.00',
  interest_at_maturity: '120.00', interest_paid: '0.00', auto_rollover: false,
  partial_withdrawn: false, allow_partial_withdrawal: true, allow_rollover: true,
  previous_holding_id: null, closed_on: null, certificate_no: CERT,
}

const LINES = {
  items: [
    { id: '1-9', at: '2026-12-04T16:30:00+00:00', business_date: '2026-12-04', kind: 'deposit_purchase',
      amount: '-10000.00', balance_after: '40000.00', description: '购买定期', reference: 'H42',
      transaction_serial: SERIAL, receipt_no: null },
    { id: '1-8', at: '2026-12-04T01:00:00+00:00', business_date: '2026-12-04', kind: 'demand_interest_accrual',
      amount: '1.00', balance_after: '50000.00', description: '', reference: 'X', receipt_no: null },
  ],
  next_cursor: null,
}

function mountPage(page, props = {}) {
  return mount(page, {
    props,
    global: {
      plugins: [{ install: setupVant }],
      stubs: { 'router-link': { template: '<a><slot /></a>' } },
    },
  })
}

beforeAll(() => {
  setMessages(messages)
  setLocale('zh-CN')
})

beforeEach(() => {
  api.get.mockReset()
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the channel header', () => {
  it('goes with every customer API call as X-Channel: H5', async () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }))
    vi.stubGlobal('fetch', fetchMock)
    await realApi.api.post('/deposits', { amount: '1.00' })
    await realApi.request('GET', '/account', { auth: false })
    expect(CHANNEL).toBe('H5')
    for (const [, init] of fetchMock.mock.calls) expect(init.headers['X-Channel']).toBe('H5')
  })

  it('is not sent by a client made without a channel (the console)', async () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }))
    vi.stubGlobal('fetch', fetchMock)
    await realApi.createClient({ prefix: '/admin/api/v1' }).api.get('/me')
    expect(fetchMock.mock.calls[0][1].headers['X-Channel']).toBeUndefined()
  })
})

describe('the statement', () => {
  it('shows each line\'s transaction serial and its time in Beijing', async () => {
    api.get.mockResolvedValue(LINES)
    const wrapper = mountPage(Transactions)
    await flushPromises()
    await flushPromises()
    const lines = wrapper.findAll('.line')
    expect(lines.length).toBe(2)
    expect(lines[0].find('.line-serial').text()).toBe(`流水号 ${SERIAL}`)
    // 16:30 UTC on the 4th is 00:30 on the 5th in Beijing
    expect(lines[0].find('.line-time').text()).toBe('2026-12-05 00:30')
    expect(lines[1].find('.line-serial').exists()).toBe(false) // a bank-side line has none
  })
})

describe('the holding detail', () => {
  it('shows the certificate number as 存单编号, not the row id', async () => {
    api.get.mockImplementation(async (path) => (path.startsWith('/products/') ? null : HOLDING))
    const wrapper = mountPage(DepositDetail, { id: '42' })
    await flushPromises()
    const row = wrapper.find('.certificate-no')
    expect(row.find('dt').text()).toBe('存单编号')
    expect(row.find('dd').text()).toBe(CERT)
  })

  it('falls back to the id for a holding without a certificate number', async () => {
    api.get.mockImplementation(async (path) => (path.startsWith('/products/') ? null : { ...HOLDING, certificate_no: null }))
    const wrapper = mountPage(DepositDetail, { id: '42' })
    await flushPromises()
    expect(wrapper.find('.certificate-no dd').text()).toBe('42')
  })
})
