// 交易流水号 and 存单编号 in the mini-program: the statement line and the move result show the
// serial, the holding shows its certificate number, and every API call says X-Channel: WX.
const { render, text, fakeServer, settle } = require('./helpers.js')
const session = require('../src/lib/session.js')
const i18n = require('../src/lib/i18n.js')

const SERIAL = '20261205WX000000000123'
const CERT = '318820260000000424'
const HOLDING = {
  id: 42, product_code: 'TD1Y', product_name: '1年期整存整取', kind: 'time_deposit', term_months: 12, principal: '10000.00',
  original_principal: '10000.00', rate: '1.20', start_date: '2026-12-05', maturity_date: '2027-12-05', status: 'active',
  accrued_interest: '0.00', interest_at_maturity: '120.00', interest_paid: '0.00', auto_rollover: false,
  partial_withdrawn: false, allow_partial_withdrawal: true, allow_rollover: true, certificate_no: CERT,
}

beforeEach(() => {
  wx.clearStorageSync()
  session.setToken('tok', 1800)
  i18n.setLocale('zh-CN')
})

test('statement: each line shows its serial, times in Beijing; every call says X-Channel: WX', async () => {
  const seen = fakeServer({
    'GET /api/v1/account/transactions': () => ({ items: [
      { id: '1-9', at: '2026-12-04T16:30:00Z', business_date: '2026-12-04', kind: 'deposit_purchase', amount: '-10000.00', balance_after: '10000.00', description: '购买1年期整存整取', transaction_serial: SERIAL },
      { id: '1-8', at: '2026-12-04T01:00:00Z', business_date: '2026-12-04', kind: 'top_up', amount: '20000.00', balance_after: '20000.00', description: '绑定卡充值' },
    ], next_cursor: null }),
  })
  const statement = render('pages/statement/index')
  statement.instance.onLoad()
  await settle()
  const serials = statement.querySelectorAll('.serial')
  expect(serials.length).toBe(1) // the line without a serial shows none
  expect(serials[0].dom.textContent).toBe(`流水号 ${SERIAL}`)
  expect(text(statement)).toContain('2026-12-05 00:30') // 16:30 UTC is the next Beijing day
  expect(seen.length).toBeGreaterThan(0)
  for (const r of seen) expect(r.header['X-Channel']).toBe('WX')
})

test('holding: 存单编号 is the certificate number, not the row id', async () => {
  fakeServer({
    'GET /api/v1/deposits/42': () => HOLDING,
    'GET /api/v1/products/TD1Y': () => ({ code: 'TD1Y', name: '1年期整存整取' }),
  })
  const page = render('pages/deposit/index')
  page.instance.onLoad({ id: '42' })
  await settle()
  expect(page.querySelector('#certificate-no').dom.textContent).toBe(CERT)
  expect(text(page)).toContain('存单编号')
})

test('top-up result: the transaction serial is shown', async () => {
  fakeServer({
    'GET /api/v1/account': () => ({ account_no: '6230****1234', balance: '100.00', status: 'normal', bound_card: { bank: '中国工商银行', card_no_masked: '****3445' }, limits: [] }),
    'POST /api/v1/account/top-up': () => ({ status: 'succeeded', order_no: 'T1', transaction_serial: SERIAL, amount: '50.00', balance: '150.00' }),
    'POST /api/v1/events': () => [202, {}],
  })
  const move = render('pages/move/index')
  move.instance.onLoad({ kind: 'top_up' })
  await settle()
  move.instance.onAmount({ detail: '50' })
  move.querySelector('#next').dispatchEvent('click')
  await settle()
  move.querySelector('#confirm').dispatchEvent('click')
  await settle()
  move.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  expect(move.querySelector('#serial').dom.textContent).toBe(`交易流水号 ${SERIAL}`)
})
