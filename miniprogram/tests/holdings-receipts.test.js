// Holdings: partial and full withdrawal (never preselected), the rollover switch; receipts and
// the PDF (downloaded with the session, opened in WeChat); the public receipt check.
const { render, text, fakeServer, apiError, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')
const config = require('../src/config.js')

const HOLDING = {
  id: 42, product_code: 'TD1Y', product_name: '1年期整存整取', kind: 'time_deposit', term_months: 12, principal: '10000.00',
  original_principal: '10000.00', rate: '1.20', start_date: '2025-06-02', maturity_date: '2026-06-02', status: 'active',
  accrued_interest: '3.33', interest_at_maturity: '120.00', interest_paid: '0.00', auto_rollover: false,
  partial_withdrawn: false, allow_partial_withdrawal: true, allow_rollover: true,
}

afterEach(() => jest.useRealTimers())

beforeEach(() => {
  wx.clearStorageSync()
  session.setToken('tok', 1800)
})

test('holdings: active ones and the total principal', async () => {
  fakeServer({ 'GET /api/v1/deposits': () => ({ items: [HOLDING, { ...HOLDING, id: 7, status: 'withdrawn', principal: '500.00' }] }) })
  const list = render('pages/deposits/index')
  list.instance.onShow()
  await settle()
  expect(list.querySelector('#total').dom.textContent).toBe('¥10,000.00')
  expect(list.querySelectorAll('.holding').length).toBe(1)
})

test('holding: nothing preselected; a partial withdrawal, then nothing chosen again', async () => {
  jest.useFakeTimers()
  let holding = HOLDING
  const seen = fakeServer({
    'GET /api/v1/deposits/42': () => holding,
    'GET /api/v1/products/TD1Y': () => ({ code: 'TD1Y', name: '1年期整存整取', insured_statement: '本行吸收的本外币存款依照《存款保险条例》受到保护。最高偿付限额为人民币50万元。' }),
    'GET /api/v1/deposits/42/withdrawal-trial': (r) => ({ amount: r.query.amount || '10000.00', interest: '0.42', rate_applied: '0.05', days: 30, early: true }),
    'POST /api/v1/deposits/42/withdraw': () => {
      holding = { ...HOLDING, principal: '7000.00', partial_withdrawn: true }
      return { amount: '3000.00', interest: '0.42', holding }
    },
    'PUT /api/v1/deposits/42/maturity': () => ({ ...holding, auto_rollover: true }),
    'POST /api/v1/events': () => [202, {}],
  })
  const page = render('pages/deposit/index')
  page.instance.onLoad({ id: '42' })
  await jest.runAllTimersAsync()
  expect(page.data.mode).toBe('')
  expect(page.querySelector('#withdraw')).toBeUndefined() // no big button before a choice
  expect(page.querySelector('#choose')).toBeDefined()
  expect(text(page)).toContain('最高偿付限额为人民币50万元')
  page.querySelector('#mode-partial').dispatchEvent('tap')
  await jest.runAllTimersAsync()
  page.instance.onAmount({ detail: '3000' })
  await jest.runAllTimersAsync()
  expect(seen.filter((r) => r.path.endsWith('/withdrawal-trial')).pop().query.amount).toBe('3000.00')
  expect(text(page)).toContain('¥0.42')
  page.querySelector('#withdraw').dispatchEvent('click')
  await jest.runAllTimersAsync()
  page.instance.onPin({ detail: { pin: '135790' } })
  await jest.runAllTimersAsync()
  jest.useRealTimers()
  await settle()
  expect(body(seen.find((r) => r.path === '/api/v1/deposits/42/withdraw'))).toEqual(expect.objectContaining({ amount: '3000.00', pin: '135790' }))
  expect(page.querySelector('#principal').dom.textContent).toBe('¥7,000.00')
  expect(page.data.mode).toBe('') // not 全部支取 waiting with a big button
  expect(page.querySelector('#withdraw')).toBeUndefined()
  expect(text(page)).toContain('已办理过一次部分提前支取') // the partial withdrawal is used up
  page.querySelector('#rollover').dispatchEvent('change', { detail: true })
  await settle()
  expect(body(seen.find((r) => r.method === 'PUT'))).toEqual({ auto_rollover: true })
  page.instance.onUnload()
})

test('receipt: signed fields, and the PDF downloaded with the session and opened', async () => {
  fakeServer({
    'GET /api/v1/receipts/HD2025060200000001': () => ({
      receipt_no: 'HD2025060200000001', kind: 'deposit_purchase', business_date: '2025-06-02', amount: '10000.00',
      amount_in_words: '人民币壹万元整', verification_code: 'A1B2C3', sha256: 'x', pdf_url: '/api/v1/receipts/HD2025060200000001/pdf',
      fields: { product_name: '1年期整存整取', annual_rate: '1.20', issued_at: '2025-06-02T02:00:00Z', ledger_entry_hash: 'secret' },
    }),
  })
  wx.downloadFile.mockImplementation((o) => o.success({ statusCode: 200, tempFilePath: 'wxfile://tmp/receipt.pdf' }))
  const page = render('pages/receipt/index')
  page.instance.onLoad({ no: 'HD2025060200000001' })
  await settle()
  const shown = text(page)
  expect(shown).toContain('人民币壹万元整')
  expect(shown).toContain('1年期整存整取')
  expect(shown).toContain('2025-06-02 10:00') // Beijing time
  expect(shown).not.toContain('secret')
  expect(page.querySelector('#code').dom.textContent).toBe('A1B2C3')
  page.querySelector('#pdf').dispatchEvent('click')
  await settle()
  const dl = wx.downloadFile.mock.calls[0][0]
  expect(dl.url).toBe(`${config.apiBase}/api/v1/receipts/HD2025060200000001/pdf`)
  expect(dl.header.Authorization).toBe('Bearer tok')
  expect(wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ filePath: 'wxfile://tmp/receipt.pdf', fileType: 'pdf', showMenu: true }))
})

test('receipt PDF that cannot be fetched: a sentence, nothing opened', async () => {
  fakeServer({ 'GET /api/v1/receipts/R1': () => ({ receipt_no: 'R1', kind: 'top_up', amount: '1.00', business_date: '2025-06-02', fields: {} }) })
  wx.downloadFile.mockImplementation((o) => o.success({ statusCode: 503 }))
  const page = render('pages/receipt/index')
  page.instance.onLoad({ no: 'R1' })
  await settle()
  page.querySelector('#pdf').dispatchEvent('click')
  await settle()
  expect(wx.openDocument).not.toHaveBeenCalled()
  expect(wx.showToast.mock.calls.length + wx.showModal.mock.calls.length).toBe(1)
})

test('verify by number and code, without login; a wrong code is not genuine', async () => {
  session.clearToken()
  let answer = { receipt_no: 'HD1', fields: { amount: 1000000, product_name: '1年期整存整取' } }
  const seen = fakeServer({
    'GET /api/v1/verify/receipt/HD1': () => answer,
    'POST /api/v1/events': () => [202, {}],
  })
  const page = render('pages/verify/index')
  page.instance.onNo({ detail: 'hd1' })
  page.instance.onCode({ detail: 'a1b2c3' })
  page.querySelector('#check').dispatchEvent('click')
  await settle()
  expect(seen[0].query.code).toBe('A1B2C3')
  expect(seen[0].header.Authorization).toBeUndefined()
  expect(text(page)).toContain('回单存在')
  expect(text(page)).toContain('¥10,000.00')
  answer = apiError(404, 'RECEIPT_NOT_FOUND', 'No such receipt.', '回单不存在或验证码不正确。')
  page.querySelector('#check').dispatchEvent('click')
  await settle()
  expect(text(page)).toContain('校验未通过')
  expect(text(page)).toContain('回单不存在或验证码不正确。')
})

test('verify a PDF chosen from a chat: uploaded as multipart, the signature report shown', async () => {
  const seen = fakeServer({
    'POST /api/v1/verify/receipt': () => ({ genuine: true, receipt_no: 'HD1', signer: '开源商业银行 电子回单签章', signed_at: '2025-06-02T02:00:00Z', fields: {}, problems: [] }),
    'POST /api/v1/events': () => [202, {}],
  })
  wx.chooseMessageFile.mockImplementation((o) => o.success({ tempFiles: [{ path: 'wxfile://tmp/a.pdf', name: 'HD1.pdf', size: 1000 }] }))
  const page = render('pages/verify/index')
  page.querySelector('#tab-pdf').dispatchEvent('tap')
  await settle()
  page.querySelector('#choose-pdf').dispatchEvent('click')
  await settle()
  const upload = seen.find((r) => r.path === '/api/v1/verify/receipt')
  expect(upload.header['Content-Type']).toMatch(/^multipart\/form-data; boundary=/)
  const sent = Buffer.from(upload.data).toString('utf8')
  expect(sent).toContain('name="file"; filename="HD1.pdf"')
  expect(sent).toContain('Content-Type: application/pdf')
  expect(sent).toContain('bytes of wxfile://tmp/a.pdf')
  expect(text(page)).toContain('真实有效')
  expect(text(page)).toContain('2025-06-02 10:00')
})
