// WeChat login: wx.login → POST /auth/wechat → a token, or a pending `wechat_session` that a
// phone number binds (WeChat's phone button, or phone + SMS code). On a sandbox server the
// code comes from POST /sandbox/wechat/code for this device's simulated WeChat user: only
// WeChat's servers can exchange a real wx.login code.
const config = require('../config.js')
const session = require('./session.js')
const { api, setSessionRenewer } = require('./request.js')

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res && res.code ? resolve(res.code) : reject(new Error('no code'))),
      fail: reject,
    })
  })
}

async function loginCode() {
  if (config.sandbox) {
    const data = await api.post('/sandbox/wechat/code', { openid: session.sandboxOpenid() }, { auth: false })
    return data.code
  }
  return wxLogin()
}

function stored(data, phone) {
  session.setToken(data.token, data.expires_in)
  session.keepSignedDeviceId(data.device_id)
  if (phone) session.setPhone(phone)
  return { needsPhone: false, customerId: data.customer_id, linked: Boolean(data.linked) }
}

/** → {needsPhone: false, customerId} with the token stored, or {needsPhone: true, wechatSession}. */
async function loginWithWeChat() {
  const code = await loginCode()
  const data = await api.post('/auth/wechat', { code, device_id: session.loginDeviceId() }, { auth: false })
  if (data.needs_phone) return { needsPhone: true, wechatSession: data.wechat_session }
  return stored(data)
}

/** The phone-number button's code (`e.detail.code` of open-type="getPhoneNumber"). */
async function bindWithPhoneCode(wechatSession, phoneCode) {
  const data = await api.post('/auth/wechat/phone', {
    wechat_session: wechatSession, phone_code: phoneCode, device_id: session.loginDeviceId(),
  }, { auth: false })
  return stored(data)
}

async function bindWithSms(wechatSession, phone, smsCode) {
  const data = await api.post('/auth/wechat/phone', {
    wechat_session: wechatSession, phone, sms_code: smsCode, device_id: session.loginDeviceId(),
  }, { auth: false })
  return stored(data, phone)
}

/** Sandbox: a phone code as the phone-number button of this WeChat user would give it. */
async function sandboxPhoneCode(phone) {
  const data = await api.post('/sandbox/wechat/phone-code', { phone, openid: session.sandboxOpenid() }, { auth: false })
  return data.code
}

/** Silent renewal for the request layer: true when WeChat gave a token again. */
async function renew() {
  try {
    const result = await loginWithWeChat()
    return !result.needsPhone
  } catch (e) {
    return false
  }
}

async function logout() {
  await api.post('/auth/logout').catch(() => {}) // ends it on the server; offline: still out here
  session.clearToken()
}

function install() {
  setSessionRenewer(renew)
}

module.exports = { loginWithWeChat, bindWithPhoneCode, bindWithSms, sandboxPhoneCode, renew, logout, install, loginCode }
