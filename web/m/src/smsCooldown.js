// The server sends a phone at most one SMS code a minute *per purpose* (logging in, binding a
// card): a login code never delays the card's code. The app remembers when it last asked, per
// phone and purpose, for this tab, so that a "get code" button for the same purpose starts
// with the right countdown instead of a refusal — and a button for another purpose starts free.
const KEY = 'od_sms_sent'
export const SMS_INTERVAL_S = 60
export const PURPOSES = ['login', 'bind_card']

function store(storage) {
  if (storage) return storage
  try {
    return globalThis.sessionStorage || null
  } catch {
    return null
  }
}

function read(storage) {
  try {
    const data = JSON.parse(store(storage)?.getItem(KEY) || '{}')
    return data && typeof data === 'object' ? data : {}
  } catch {
    return {}
  }
}

const slot = (phone, purpose) => `${purpose}:${phone}`

/** A code for `purpose` was sent to `phone` at `at` (ms). */
export function noteSmsSent(phone, purpose = 'login', at = Date.now(), storage) {
  if (!phone) return
  const s = store(storage)
  if (!s) return
  const data = read(s)
  data[slot(phone, purpose)] = at
  try {
    s.setItem(KEY, JSON.stringify(data))
  } catch {
    // storage full or disabled: the server still refuses politely
  }
}

/** Whole seconds to wait before `phone` may get another code for `purpose` (0: now). */
export function smsWaitSeconds(phone, purpose = 'login', now = Date.now(), storage, interval = SMS_INTERVAL_S) {
  const at = Number(read(storage)[slot(phone, purpose)])
  if (!phone || !Number.isFinite(at) || at <= 0) return 0
  const left = Math.ceil((at + interval * 1000 - now) / 1000)
  return Math.max(0, Math.min(interval, left))
}
