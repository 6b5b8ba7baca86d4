// Account, top-up / withdraw, the statement (English without Chinese memos), 我的.
const { render, text, fakeServer, apiError, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')
const i18n = require('../src/lib/i18n.js')

const ACCOUNT = {
  account_no: '6230****1234', balance: '20000.00', status: 'normal', bound_card: { bank: '中国工商银行', card_no_masked: '****3445' },
  limits: [{ bucket: 'out_non_bound', daily_limit: '10000.00', used_today: '0.00', left_today: '10000.00' }], opened_on: '2025-06-02',
}

beforeEach(() => {
  wx.clearStorageSync()
  session.setToken('tok', 1800)
  i18n.setLocale('zh-CN')
})

test('account: balance, bound card, the way to top up; no account → open one', async () => {
  fakeServer({ 'GET /api/v1/account': () => ACCOUNT })
  const account = render('pages/account/index')
  account.instance.onShow()
  await settle()
  expect(account.querySelector('#balance').dom.textContent).toBe('¥20,000.00')
  expect(text(account)).toContain('中国工商银行 ****3445')
  account.querySelector('#top-up').dispatchEvent('click')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/move/index?kind=top_up' })

  fakeServer({ 'GET /api/v1/account': () => apiError(404, 'ACCOUNT_NOT_FOUND', 'No account.', '您还没有电子账户。') })
  const none = render('pages/account/index')
  none.instance.onShow()
  await settle()
  none.querySelector('#open').dispatchEvent('click')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/open/index' })
})

test('top-up: amount, confirm, PIN; a pending answer says so', async () => {
  const seen = fakeServer({
    'GET /api/v1/account': () => ACCOUNT,
    'POST /api/v1/account/top-up': () => [202, { status: 'pending', order_no: 'P1', amount: '500.00', balance: '20000.00' }],
  })
  const move = render('pages/move/index')
  move.instance.onLoad({ kind: 'top_up' })
  await settle()
  expect(text(move)).toContain('中国工商银行 ****3445') // from the bound card
  move.instance.onAmount({ detail: '500.009' })
  expect(move.data.amount).toBe('500.00') // at most two decimals, never through a float
  move.instance.onAmount({ detail: '' })
  move.querySelector('#next').dispatchEvent('click')
  await settle()
  expect(move.data.problem).toBeTruthy()
  move.instance.onAmount({ detail: '500' })
  move.querySelector('#next').dispatchEvent('click')
  await settle()
  move.querySelector('#confirm').dispatchEvent('click')
  await settle()
  move.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  const sent = body(seen.find((r) => r.path === '/api/v1/account/top-up'))
  expect(sent.amount).toBe('500.00')
  expect(sent.pin).toBe('135790')
  expect(sent.idempotency_key).toMatch(/^[0-9a-f-]{36}$/)
  expect(text(move)).toContain('已提交，银行处理中')
})

test('withdraw: not above the balance', async () => {
  fakeServer({ 'GET /api/v1/account': () => ACCOUNT })
  const move = render('pages/move/index')
  move.instance.onLoad({ kind: 'withdraw' })
  await settle()
  move.instance.onAmount({ detail: '20000.01' })
  expect(move.data.problem).toBe('超过电子账户可用余额')
  move.instance.onAll()
  expect(move.data.amount).toBe('20000.00')
})

test('statement: Chinese memos in Chinese; in English the kind, no Chinese memo', async () => {
  fakeServer({
    'GET /api/v1/account/transactions': () => ({ items: [
      { id: '1-9', at: '2026-12-03T16:30:00Z', business_date: '2026-12-04', kind: 'deposit_purchase', amount: '-10000.00', balance_after: '10000.00', description: '购买1年期整存整取', receipt_no: 'R1' },
      { id: '1-8', at: '2026-12-03T16:00:00Z', business_date: '2026-12-04', kind: 'top_up', amount: '20000.00', balance_after: '20000.00', description: '绑定卡充值' },
    ], next_cursor: null }),
  })
  const statement = render('pages/statement/index')
  statement.instance.onLoad()
  await settle()
  let shown = text(statement)
  expect(shown).toContain('购买1年期整存整取')
  expect(shown).toContain('−10,000.00')
  expect(shown).toContain('+20,000.00')
  expect(shown).toContain('2026-12-04 00:30') // Beijing time, not UTC
  i18n.setLocale('en-US')
  await settle()
  shown = text(statement)
  expect(shown).not.toMatch(/[\u4e00-\u9fff]/) // nothing Chinese left on the English page
  expect(shown).toContain('Top-up')
})

test('我的: the customer\'s own name in full, the ID number masked; logout ends it on the server', async () => {
  const seen = fakeServer({
    'GET /api/v1/me': () => ({ customer_id: 1, phone: '139****9000', name: '张伟', name_masked: '张*', id_number: '4403**********1315', kyc_status: 'verified', has_account: true, account: ACCOUNT }),
    'POST /api/v1/auth/logout': () => [204, null],
  })
  const me = render('pages/me/index')
  me.instance.onShow()
  await settle()
  expect(me.querySelector('#who').dom.textContent).toBe('张伟')
  expect(me.querySelector('#id-number').data.value).toBe('4403**********1315')
  expect(text(me)).toContain('已实名')
  me.querySelector('#logout').dispatchEvent('click')
  await settle()
  const logout = seen.find((r) => r.path === '/api/v1/auth/logout')
  expect(logout.header.Authorization).toBe('Bearer tok')
  expect(session.getToken()).toBe('')
  expect(me.data.loggedIn).toBe(false)
})

test('我的: switching to English relabels the page', async () => {
  fakeServer({ 'GET /api/v1/me': () => ({ phone: '139****9000', name: null, kyc_status: 'none', has_account: false }) })
  const me = render('pages/me/index')
  me.instance.onShow()
  await settle()
  me.querySelector('#lang-en').dispatchEvent('click')
  await settle()
  expect(i18n.getLocale()).toBe('en-US')
  expect(text(me)).toContain('Language')
  expect(me.querySelector('#name').data.value).toBe('—')
})
