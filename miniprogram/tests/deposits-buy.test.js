// Home, product detail with the interest trial, and a purchase confirmed with the PIN keypad.
const { render, text, fakeServer, apiError, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')

const TD1Y = {
  code: 'TD1Y', name: '1年期整存整取', name_en: '1-year time deposit', kind: 'time_deposit', term_months: 12,
  rate: '1.20', min_amount: '50.00', step_amount: '0.01', max_per_customer: '5000000.00', quota_left: '1000000.00',
  on_sale: true, allow_partial_withdrawal: true, allow_rollover: true, risk_text: '存款有风险提示',
  insured_statement: '本行吸收的本外币存款依照《存款保险条例》受到保护。存款保险实行限额偿付，最高偿付限额为人民币50万元。',
  insured_statement_en: 'Protected under the Deposit Insurance Regulations, up to 500,000 yuan.',
}

afterEach(() => jest.useRealTimers())

beforeEach(() => {
  wx.clearStorageSync()
  session.setToken('tok', 1800)
})

test('home: the products on sale, each with one insurance line; the full statement once', async () => {
  fakeServer({ 'GET /api/v1/products': () => ({ items: [TD1Y, { ...TD1Y, code: 'TD3Y', name: '3年期整存整取', rate: '1.55' }] }) })
  const home = render('pages/home/index')
  home.instance.onLoad()
  home.instance.onShow()
  await settle()
  const shown = text(home)
  expect(home.querySelectorAll('.product').length).toBe(2)
  expect(shown).toContain('3年期整存整取')
  expect(shown).toContain('1.55%')
  expect(shown.split('本产品为存款，依照《存款保险条例》受到保护。').length - 1).toBe(2)
  expect(shown).toContain('最高偿付限额为人民币50万元') // the home statement, once
  expect(shown).not.toContain(TD1Y.insured_statement) // not the full paragraph per card
})

test('home: an API failure is a sentence with a retry', async () => {
  fakeServer({ 'GET /api/v1/products': () => [0, null] })
  const home = render('pages/home/index')
  home.instance.onLoad()
  await settle()
  expect(text(home)).toContain('网络连接失败')
})

test('product: the trial follows the amount typed, with the full insurance statement', async () => {
  jest.useFakeTimers()
  const seen = fakeServer({
    'GET /api/v1/products/TD1Y': () => TD1Y,
    'GET /api/v1/products/TD1Y/trial': (r) => ({ amount: r.query.amount, interest: r.query.amount === '10000.00' ? '120.00' : '0.60', maturity_date: '2026-06-02', rate: '1.20', term_months: 12 }),
    'POST /api/v1/events': () => [202, {}],
  })
  const product = render('pages/product/index')
  product.instance.onLoad({ code: 'TD1Y' })
  await jest.runAllTimersAsync()
  expect(product.data.amount).toBe('50.00')
  product.instance.onAmount({ detail: '10000' })
  await jest.runAllTimersAsync()
  jest.useRealTimers()
  await settle()
  expect(seen.filter((r) => r.path.endsWith('/trial')).map((r) => r.query.amount)).toEqual(['50.00', '10000.00'])
  expect(product.querySelector('#trial-interest').dom.textContent).toContain('¥120.00')
  expect(text(product)).toContain('最高偿付限额为人民币50万元')
  product.instance.onAmount({ detail: '10' })
  expect(product.data.problem).toContain('50.00')
  expect(product.data.trial).toBeNull()
  product.instance.onAmount({ detail: '10000' })
  product.querySelector('#buy').dispatchEvent('click')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/buy/index?code=TD1Y&amount=10000.00' })
  product.instance.onUnload()
})

test('buy: confirm in capital numerals, the PIN keypad, one idempotency key per attempt', async () => {
  let answer = apiError(422, 'PIN_WRONG', 'Wrong PIN; 4 tries left.', '交易密码错误，还可尝试4次。')
  const seen = fakeServer({
    'GET /api/v1/products/TD1Y': () => TD1Y,
    'GET /api/v1/account': () => ({ balance: '20000.00', account_no: '6230****1234' }),
    'GET /api/v1/products/TD1Y/trial': () => ({ interest: '120.00', maturity_date: '2026-06-02' }),
    'POST /api/v1/deposits': () => answer,
    'POST /api/v1/events': () => [202, {}],
  })
  const buy = render('pages/buy/index')
  buy.instance.onLoad({ code: 'TD1Y', amount: '10000.00' })
  await settle()
  expect(text(buy)).toContain('电子账户可用余额 ¥20,000.00')
  expect(buy.querySelector('#next').data.disabled).toBe(true) // not before the rules are agreed
  buy.instance.onAmount({ detail: '30000' })
  expect(buy.data.problem).toBe('电子账户余额不足')
  buy.instance.onAmount({ detail: '10000' })
  buy.querySelector('#agree').dispatchEvent('change', { detail: true })
  await settle()
  buy.querySelector('#next').dispatchEvent('click')
  await settle()
  const confirm = text(buy)
  expect(confirm).toContain('¥10,000.00')
  expect(confirm).toContain('人民币壹万元整')
  expect(confirm).toContain('¥120.00')
  expect(confirm).toContain('最高偿付限额为人民币50万元')
  buy.querySelector('#confirm').dispatchEvent('click')
  await settle()
  expect(buy.data.pin.show).toBe(true)
  buy.instance.onPin({ detail: { pin: '111111' } })
  await settle()
  expect(buy.data.pin.error).toBe('交易密码错误，还可尝试4次。') // stays open on a fresh keypad
  expect(buy.data.pin.show).toBe(true)
  answer = [201, { id: 42, maturity_date: '2026-06-02', principal: '10000.00' }]
  buy.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  const posts = seen.filter((r) => r.path === '/api/v1/deposits').map(body)
  expect(posts.map((b) => [b.product_code, b.amount, b.pin])).toEqual([['TD1Y', '10000.00', '111111'], ['TD1Y', '10000.00', '135790']])
  expect(posts[0].idempotency_key).not.toBe(posts[1].idempotency_key) // a refused attempt is over
  expect(buy.data.step).toBe('done')
  const events = seen.filter((r) => r.path === '/api/v1/events')
  expect(events.length).toBe(0) // batched: they go out later, together
})

test('buy: an unknown outcome is retried with the same idempotency key', async () => {
  let calls = 0
  const seen = fakeServer({
    'GET /api/v1/products/TD1Y': () => TD1Y,
    'GET /api/v1/account': () => ({ balance: '20000.00' }),
    'GET /api/v1/products/TD1Y/trial': () => ({ interest: '120.00', maturity_date: '2026-06-02' }),
    'POST /api/v1/deposits': () => ((calls += 1) === 1 ? [0, 'timeout'] : [201, { id: 43, maturity_date: '2026-06-02' }]),
  })
  const buy = render('pages/buy/index')
  buy.instance.onLoad({ code: 'TD1Y', amount: '100.00' })
  await settle()
  buy.instance.onAgree({ detail: true })
  await buy.instance.onNext()
  buy.instance.onConfirm()
  buy.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  expect(wx.showModal.mock.calls[0][0].content).toContain('请求超时') // the same key is offered again
  await settle() // the dialog's "retry" was confirmed (setup.js answers confirm)
  const keys = seen.filter((r) => r.path === '/api/v1/deposits').map((r) => body(r).idempotency_key)
  expect(keys.length).toBe(2)
  expect(keys[0]).toBe(keys[1])
  expect(buy.data.step).toBe('done')
})

test('buy: no account yet → open one first', async () => {
  fakeServer({
    'GET /api/v1/products/TD1Y': () => TD1Y,
    'GET /api/v1/account': () => apiError(404, 'ACCOUNT_NOT_FOUND', 'No account.', '您还没有电子账户。'),
  })
  const buy = render('pages/buy/index')
  buy.instance.onLoad({ code: 'TD1Y' })
  await settle()
  expect(text(buy)).toContain('开立')
})
