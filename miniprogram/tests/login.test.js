// 登录: WeChat login, the phone binding (button or SMS) and the errors a customer can meet.
const { render, text, fakeServer, apiError, settle, body } = require('./helpers.js')
const config = require('../src/config.js')
const session = require('../src/lib/session.js')

function loginPage(query = { redirect: encodeURIComponent('/pages/buy/index?code=TD1Y') }) {
  const page = render('pages/login/index')
  page.instance.onLoad(query)
  return page
}

beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
})

test('a bound WeChat user is logged in by wx.login alone', async () => {
  const seen = fakeServer({
    'POST /api/v1/auth/wechat': () => ({ needs_phone: false, token: 'tok-1', customer_id: 7, expires_in: 1800 }),
    'POST /api/v1/events': () => [202, {}],
  })
  const page = loginPage()
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  expect(wx.login).toHaveBeenCalled()
  const call = seen.find((r) => r.path === '/api/v1/auth/wechat')
  expect(body(call)).toEqual({ code: 'real-wx-code', device_id: session.deviceId() })
  expect(call.header.Authorization).toBeUndefined()
  expect(session.getToken()).toBe('tok-1')
  expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/buy/index?code=TD1Y' })
})

test('a new WeChat user links a phone with the phone-number button', async () => {
  const seen = fakeServer({
    'POST /api/v1/auth/wechat': () => ({ needs_phone: true, wechat_session: 'ws-1', expires_in: 600 }),
    'POST /api/v1/auth/wechat/phone': () => ({ needs_phone: false, token: 'tok-2', customer_id: 8, expires_in: 1800, linked: true }),
  })
  const page = loginPage()
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  expect(text(page)).toContain('绑定手机号')
  const button = page.querySelector('#phone-button')
  expect(button.data.openType).toBe('getPhoneNumber')
  button.dispatchEvent('getphonenumber', { detail: { code: 'phone-code-1' } })
  await settle()
  expect(body(seen.find((r) => r.path === '/api/v1/auth/wechat/phone'))).toEqual({
    wechat_session: 'ws-1', phone_code: 'phone-code-1', device_id: session.deviceId() })
  expect(session.getToken()).toBe('tok-2')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已关联您原有的账户' }))
})

test('declining the phone button offers the SMS code instead', async () => {
  const seen = fakeServer({
    'POST /api/v1/auth/wechat': () => ({ needs_phone: true, wechat_session: 'ws-3' }),
    'POST /api/v1/auth/sms-code': () => [202, { sent: true }],
    'POST /api/v1/auth/wechat/phone': () => ({ needs_phone: false, token: 'tok-3', customer_id: 9, expires_in: 1800 }),
    'POST /api/v1/events': () => [202, {}],
  })
  const page = loginPage({})
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  page.querySelector('#phone-button').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  await settle()
  expect(text(page)).toContain('您未授权手机号')
  page.instance.onPhoneInput({ detail: '13912340001' })
  page.querySelector('#send-code').dispatchEvent('click')
  await settle()
  expect(body(seen.find((r) => r.path === '/api/v1/auth/sms-code')).phone).toBe('13912340001')
  expect(page.data.countdown).toBe(60)
  page.instance.onCodeInput({ detail: '123456' })
  page.querySelector('#sms-submit').dispatchEvent('click')
  await settle()
  expect(body(seen.find((r) => r.path === '/api/v1/auth/wechat/phone'))).toEqual({
    wechat_session: 'ws-3', phone: '13912340001', sms_code: '123456', device_id: session.deviceId() })
  expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/account/index' })
  page.instance.onUnload()
})

test('an invalid WeChat code reads as a sentence and logs nobody in', async () => {
  fakeServer({
    'POST /api/v1/auth/wechat': () => apiError(401, 'WECHAT_CODE_INVALID',
      'The WeChat login has expired or was already used; please log in again.', '微信登录已失效或已被使用，请重新登录。'),
  })
  const page = loginPage()
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  expect(page.querySelector('#error').dom.textContent).toBe('微信登录已失效或已被使用，请重新登录。')
  expect(session.getToken()).toBe('')
  expect(wx.redirectTo).not.toHaveBeenCalled()
})

test('a phone bound to another WeChat, and an expired pending login', async () => {
  let answer = apiError(409, 'WECHAT_CUSTOMER_BOUND', 'Linked to another WeChat.', '该手机号已绑定其他微信账号，请使用原微信登录，或使用手机号和短信验证码登录。')
  fakeServer({
    'POST /api/v1/auth/wechat': () => ({ needs_phone: true, wechat_session: 'ws-4' }),
    'POST /api/v1/auth/wechat/phone': () => answer,
  })
  const page = loginPage()
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  page.querySelector('#phone-button').dispatchEvent('getphonenumber', { detail: { code: 'pc' } })
  await settle()
  expect(text(page)).toContain('该手机号已绑定其他微信账号')
  answer = apiError(401, 'WECHAT_SESSION_INVALID', 'Expired.', '本次微信登录已失效，请重新进行微信登录。')
  page.querySelector('#phone-button').dispatchEvent('getphonenumber', { detail: { code: 'pc2' } })
  await settle()
  expect(page.data.step).toBe('wechat') // back to the WeChat button
  expect(text(page)).toContain('本次微信登录已失效')
  expect(session.getToken()).toBe('')
})

test('in the sandbox the codes come from the simulated WeChat', async () => {
  config.sandbox = true
  const seen = fakeServer({
    'POST /sandbox/wechat/code': () => [201, { code: 'sbx-code' }],
    'POST /api/v1/auth/wechat': () => ({ needs_phone: true, wechat_session: 'ws-5' }),
    'POST /sandbox/wechat/phone-code': () => [201, { code: 'sbx-phone' }],
    'POST /api/v1/auth/wechat/phone': () => ({ needs_phone: false, token: 'tok-5', customer_id: 5, expires_in: 1800 }),
  })
  const page = loginPage({})
  page.querySelector('#wechat').dispatchEvent('click')
  await settle()
  expect(wx.login).not.toHaveBeenCalled()
  expect(body(seen.find((r) => r.path === '/api/v1/auth/wechat')).code).toBe('sbx-code')
  expect(body(seen.find((r) => r.path === '/sandbox/wechat/code')).openid).toBe(session.sandboxOpenid())
  page.instance.onPhoneInput({ detail: '13912340005' })
  page.querySelector('#sandbox-phone').dispatchEvent('click')
  await settle()
  expect(body(seen.find((r) => r.path === '/sandbox/wechat/phone-code'))).toEqual({ phone: '13912340005', openid: session.sandboxOpenid() })
  expect(session.getToken()).toBe('tok-5')
  expect(session.getPhone()).toBe('13912340005')
})

test('the signed device id of a login answer is what the next login sends', async () => {
  const signed = 'd1.67a1b2c3.abcdefghijklmnop.0123456789abcdefghijkl'
  const seen = fakeServer({
    'POST /api/v1/auth/wechat': () => ({ needs_phone: false, token: 'tok-9', customer_id: 9, expires_in: 1800, device_id: signed }),
    'POST /api/v1/events': () => [202, {}],
  })
  const auth = require('../src/lib/auth.js')
  const anonymous = session.deviceId()
  await auth.loginWithWeChat()
  expect(body(seen.filter((r) => r.path === '/api/v1/auth/wechat')[0]).device_id).toBe(anonymous)
  expect(session.signedDeviceId()).toBe(signed)
  await auth.loginWithWeChat()
  expect(body(seen.filter((r) => r.path === '/api/v1/auth/wechat')[1]).device_id).toBe(signed)
  expect(session.deviceId()).toBe(anonymous) // the analytics id does not change
  session.keepSignedDeviceId('made-up') // not one of ours: ignored
  expect(session.signedDeviceId()).toBe(signed)
})
