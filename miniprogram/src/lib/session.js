// The customer's session in wx storage: the bearer token and when it expires, the login phone
// (masked greeting only), and the anonymous device id shared with the tracker.
const { uuid } = require('../shared/ids.js')

const TOKEN = 'od_token'
const EXPIRES = 'od_token_expires_at'
const PHONE = 'od_phone'
const DEVICE = 'od_device_id'
const SANDBOX_OPENID = 'od_sandbox_openid'
const EARLY_MS = 30 * 1000 // renew a little before the server would refuse the token

const listeners = new Set()

function read(key) {
  try {
    return wx.getStorageSync(key) || ''
  } catch (e) {
    return ''
  }
}

function write(key, value) {
  try {
    if (value) wx.setStorageSync(key, value)
    else wx.removeStorageSync(key)
  } catch (e) {
    // storage full: the session lasts as long as the process
  }
}

function getToken() {
  return read(TOKEN)
}

/** A new token valid `expiresIn` seconds (the API's `expires_in`). */
function setToken(token, expiresIn, now = Date.now()) {
  write(TOKEN, token || '')
  write(EXPIRES, token && expiresIn ? String(now + expiresIn * 1000) : '')
  for (const fn of listeners) fn(token || '')
}

function clearToken() {
  setToken('')
  write(PHONE, '')
}

/** True when the stored token is about to expire (or has): renew before calling. */
function tokenExpiring(now = Date.now()) {
  const at = Number(read(EXPIRES))
  return Boolean(getToken()) && Number.isFinite(at) && at > 0 && now >= at - EARLY_MS
}

function onTokenChange(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

function loggedIn() {
  return Boolean(getToken())
}

function setPhone(phone) {
  write(PHONE, phone || '')
}

function getPhone() {
  return read(PHONE)
}

/** The anonymous device id: random, kept, the same before and after login. */
function deviceId() {
  let id = read(DEVICE)
  if (!id) {
    id = `wx-${uuid()}`
    write(DEVICE, id)
  }
  return id
}

const SIGNED_DEVICE = 'od_device_signed'

/**
 * The server-issued, signed device id (from a login answer), sent as `device_id` at login so the
 * bank's risk rules recognise this device; the anonymous id above stays the analytics id.
 */
function signedDeviceId() {
  return read(SIGNED_DEVICE) || null
}

/** Keep the signed id the server answered (ignored unless it looks like one). */
function keepSignedDeviceId(id) {
  if (typeof id !== 'string' || !id.startsWith('d1.') || id.length > 64) return
  write(SIGNED_DEVICE, id)
}

/** The id a login sends: the signed one once the server gave it, else the anonymous one. */
function loginDeviceId() {
  return signedDeviceId() || deviceId()
}

/** Sandbox only: the simulated WeChat user of this device (a stable fake openid). */
function sandboxOpenid() {
  let id = read(SANDBOX_OPENID)
  if (!id) {
    id = `sbx_${uuid().replace(/-/g, '').slice(0, 24)}`
    write(SANDBOX_OPENID, id)
  }
  return id
}

module.exports = {
  getToken,
  setToken,
  clearToken,
  tokenExpiring,
  onTokenChange,
  loggedIn,
  setPhone,
  getPhone,
  deviceId,
  signedDeviceId,
  keepSignedDeviceId,
  loginDeviceId,
  sandboxOpenid,
}
