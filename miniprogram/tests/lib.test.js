// The request layer (token renewal, one error mapper), the tracker (same events and batching
// as the H5 app, channel WX), multipart bodies, and the build of the shared modules.
const fs = require('fs')
const path = require('path')
const { fakeServer, apiError, settle, body } = require('./helpers.js')
const config = require('../src/config.js')
const session = require('../src/lib/session.js')
const request = require('../src/lib/request.js')
const auth = require('../src/lib/auth.js')
const { create } = require('../src/lib/tracker.js')
const { encode } = require('../src/lib/multipart.js')
const { SHARED } = require('../scripts/build.js')

beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
  auth.install()
})

describe('request', () => {
  test('a 401 is renewed once by a silent WeChat login and the call repeated', async () => {
    session.setToken('old', 1800)
    const seen = fakeServer({
      'GET /api/v1/account': (r) => (r.header.Authorization === 'Bearer new' ? { balance: '1.00' } : apiError(401, 'UNAUTHORIZED', 'Please log in again.', '登录已失效，请重新登录。')),
      'POST /api/v1/auth/wechat': () => ({ needs_phone: false, token: 'new', customer_id: 1, expires_in: 1800 }),
    })
    expect(await request.api.get('/account')).toEqual({ balance: '1.00' })
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/account', 'POST /api/v1/auth/wechat', 'GET /api/v1/account'])
    expect(session.getToken()).toBe('new')
  })

  test('a token about to expire is renewed before the call', async () => {
    session.setToken('old', 10) // expires within the 30 s margin
    const seen = fakeServer({
      'POST /api/v1/auth/wechat': () => ({ needs_phone: false, token: 'fresh', customer_id: 1, expires_in: 1800 }),
      'GET /api/v1/me': (r) => ({ auth: r.header.Authorization }),
    })
    expect(await request.api.get('/me')).toEqual({ auth: 'Bearer fresh' })
    expect(seen.length).toBe(2)
  })

  test('when WeChat cannot renew, the session ends and the app is told', async () => {
    session.setToken('old', 1800)
    const handler = jest.fn()
    request.setUnauthorizedHandler(handler)
    fakeServer({
      'GET /api/v1/account': () => apiError(401, 'UNAUTHORIZED', 'Please log in again.', '登录已失效，请重新登录。'),
      'POST /api/v1/auth/wechat': () => ({ needs_phone: true, wechat_session: 'ws' }),
    })
    await expect(request.api.get('/account')).rejects.toMatchObject({ code: 'UNAUTHORIZED', messageZh: '登录已失效，请重新登录。' })
    expect(session.getToken()).toBe('')
    expect(handler).toHaveBeenCalledTimes(1)
    request.setUnauthorizedHandler(null)
  })

  test('no answer, a timeout, an HTML page: stable client codes', async () => {
    fakeServer({
      'GET /api/v1/a': () => [0, null],
      'GET /api/v1/b': () => [0, 'timeout'],
      'GET /api/v1/c': () => [502, '<html>bad gateway</html>'],
      'GET /api/v1/d': () => [200, '<html>'],
    })
    await expect(request.api.get('/a', { auth: false })).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 })
    await expect(request.api.get('/b', { auth: false })).rejects.toMatchObject({ code: 'TIMEOUT' })
    await expect(request.api.get('/c', { auth: false })).rejects.toMatchObject({ code: 'SERVER_ERROR', status: 502 })
    await expect(request.api.get('/d', { auth: false })).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
  })

  test('the API base comes from config.js', () => {
    expect(request.buildUrl('/products', { amount: '1.00', empty: '' })).toBe(`${config.apiBase}/api/v1/products?amount=1.00`)
    expect(request.buildUrl('/sandbox/wechat/code')).toBe(`${config.apiBase}/sandbox/wechat/code`)
  })
})

describe('tracker', () => {
  test('same events and batching as the H5 app, each with channel WX, sent with the device id', async () => {
    session.setToken('tok', 1800)
    const seen = fakeServer({ 'POST /api/v1/events': () => [202, { accepted: 3 }] })
    const tracker = create({ intervalMs: 50 })
    tracker.track('page_view', { path: '/pages/home/index' })
    tracker.track('login_succeeded', { method: 'wechat' })
    tracker.track('deposit_bought', { product_code: 'TD1Y', amount: '100.00' })
    expect(seen.length).toBe(0)
    await new Promise((r) => setTimeout(r, 80))
    await settle()
    expect(seen.length).toBe(1) // one batch
    const sent = JSON.parse(seen[0].data)
    expect(sent.device_id).toBe(session.deviceId())
    expect(sent.device_id).toMatch(/^wx-/)
    expect(sent.events.map((e) => [e.name, e.props.channel])).toEqual([
      ['page_view', 'WX'], ['login_succeeded', 'WX'], ['deposit_bought', 'WX']])
    expect(seen[0].header.Authorization).toBe('Bearer tok')
  })

  test('a failed batch is kept and sent again; leaving the app flushes', async () => {
    let fail = true
    const seen = fakeServer({ 'POST /api/v1/events': () => (fail ? [503, {}] : [202, {}]) })
    const tracker = create({ intervalMs: 60_000 })
    tracker.track('page_view', { path: '/pages/me/index' })
    await tracker.flush()
    expect(tracker.queue.length).toBe(1)
    fail = false
    tracker.flushBeacon()
    await settle()
    expect(seen.length).toBe(2)
    expect(tracker.queue.length).toBe(0)
    tracker.stop()
  })
})

describe('multipart', () => {
  test('fields and files, UTF-8 names, exact bytes', () => {
    const { body: buf, contentType } = encode([
      { name: 'kind', value: '居住证' },
      { name: 'file', filename: 'a.jpg', contentType: 'image/jpeg', data: Uint8Array.from([0, 255, 10]).buffer },
    ], 'B')
    expect(contentType).toBe('multipart/form-data; boundary=B')
    const bytes = Buffer.from(buf)
    const expected = Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="kind"\r\n\r\n居住证\r\n'),
      Buffer.from('--B\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'),
      Buffer.from([0, 255, 10]),
      Buffer.from('\r\n--B--\r\n'),
    ])
    expect(bytes.equals(expected)).toBe(true)
  })
})

describe('shared modules (one source: web/)', () => {
  const WEB = path.resolve(__dirname, '../../web')
  const OUT = path.resolve(__dirname, '../src/shared')

  test('every shared module is built from its web/ source and says so', () => {
    for (const [from, to] of SHARED) {
      expect(fs.existsSync(path.join(WEB, from))).toBe(true)
      const built = fs.readFileSync(path.join(OUT, to), 'utf8')
      expect(built.startsWith(`// Generated by miniprogram/scripts/build.js from web/${from}`)).toBe(true)
    }
  })

  test('money and capital numerals answer as in the H5 app (domain.md §9.2 vectors)', () => {
    const money = require('../src/shared/money.js')
    expect(money.amountInWords(168032)).toBe('壹仟陆佰捌拾元零叁角贰分')
    expect(money.amountInWords(1000)).toBe('壹拾元整')
    expect(money.amountInWords(5)).toBe('伍分')
    expect(money.parseAmount('1234.56')).toBe(123456)
    expect(() => money.parseAmount('1.234')).toThrow()
    expect(money.formatGrouped(123456789)).toBe('1,234,567.89')
  })

  test('the error sentences follow the mini-program\'s language', () => {
    const i18n = require('../src/lib/i18n.js')
    const { ApiError, errorText } = require('../src/shared/errors.js')
    const err = new ApiError({ code: 'NETWORK_ERROR', status: 0 })
    i18n.setLocale('en-US')
    expect(errorText(err)).toBe('Network error. Check your connection and try again.')
    i18n.setLocale('zh-CN')
    expect(errorText(err)).toBe('网络连接失败，请检查网络后重试。')
  })

  test('no page or component copies a shared helper instead of requiring it', () => {
    const files = []
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name)
      if (e.isDirectory() && !['shared', 'miniprogram_npm'].includes(e.name)) walk(p)
      else if (e.name.endsWith('.js')) files.push(p)
    })
    walk(path.resolve(__dirname, '../src'))
    for (const f of files) {
      const code = fs.readFileSync(f, 'utf8')
      expect(code).not.toMatch(/function (amountInWords|parseAmount|formatGrouped|maskPhone|maskIdNumber|errorText)\b/)
    }
  })
})

describe('texts', () => {
  test('every key a page or component names has a Chinese and an English text', () => {
    const i18n = require('../src/lib/i18n.js')
    const has = (table, key) => typeof key.split('.').reduce((n, p) => (n == null ? undefined : n[p]), table) === 'string'
    const keys = new Set()
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name)
      if (e.isDirectory() && !['shared', 'miniprogram_npm'].includes(e.name)) walk(p)
      else if (e.name.endsWith('.js')) {
        const code = fs.readFileSync(p, 'utf8')
        for (const m of code.matchAll(/\bt\('([a-zA-Z][\w.]*)'/g)) keys.add(m[1])
        for (const m of code.matchAll(/:\s*'([a-z][A-Za-z]*\.[\w.]+)'/g)) keys.add(m[1]) // labelKeys()
      }
    })
    walk(path.resolve(__dirname, '../src'))
    expect(keys.size).toBeGreaterThan(150)
    const missing = [...keys].filter((k) => !/\.(jpg|pdf)$/.test(k)).filter((k) => !has(i18n.TABLES['zh-CN'], k) || !has(i18n.TABLES['en-US'], k))
    expect(missing).toEqual([])
  })
})
