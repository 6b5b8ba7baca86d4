// Random identifiers: idempotency keys and the anonymous device id. Works without `globalThis`
// and without WebCrypto (the WeChat mini-program): then Math.random, which is enough for keys
// that must be unique, not secret.
import { globalScope } from './globalScope.js'

function cryptoApi() {
  try {
    return globalScope().crypto || null
  } catch {
    return null
  }
}

/** A v4 UUID; crypto.randomUUID needs a secure context, so fall back to getRandomValues. */
export function uuid() {
  const c = cryptoApi()
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID()
    } catch {
      // insecure context: fall through
    }
  }
  const bytes = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256)
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** A uniformly random integer in [0, n) from the platform CSPRNG when there is one. */
export function randomInt(n) {
  const c = cryptoApi()
  if (c && typeof c.getRandomValues === 'function') {
    const limit = Math.floor(0x100000000 / n) * n
    const buf = new Uint32Array(1)
    do c.getRandomValues(buf)
    while (buf[0] >= limit)
    return buf[0] % n
  }
  return Math.floor(Math.random() * n)
}

const DEVICE_KEY = 'od_device_id'
let memoryDeviceId = null

function storage() {
  try {
    return globalScope().localStorage || null
  } catch {
    return null // disabled storage (private mode, sandboxed frame)
  }
}

/** The anonymous device id: random, kept in localStorage, the same before and after login. */
export function deviceId() {
  const ls = storage()
  try {
    const saved = ls && ls.getItem(DEVICE_KEY)
    if (saved) return saved
  } catch {
    // ignore
  }
  if (!memoryDeviceId) memoryDeviceId = `web-${uuid()}`
  try {
    if (ls) ls.setItem(DEVICE_KEY, memoryDeviceId)
  } catch {
    // ignore
  }
  return memoryDeviceId
}
