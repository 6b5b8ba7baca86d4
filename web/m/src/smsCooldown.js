// The server sends a phone at most one SMS code a minute, whatever it is for (login, binding a
// card). The app remembers when it last asked for one, per phone, for this tab, so that the
// next "get code" button starts with the right countdown instead of a refusal.
const KEY = 'od_sms_sent'
export const SMS_INTERVAL_S = 60

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

/** A code was sent to `phone` at `at` (ms). */
export function noteSmsSent(phone, at = Date.now(), storage) {
  if (!phone) return
  const s = store(storage)
  if (!s) return
  const data = read(s)
  data[phone] = at
  try {
    s.setItem(KEY, JSON.stringify(data))
  } catch {
    // storage full or disabled: the server still refuses politely
  }
}

/** Whole seconds to wait before `phone` may get another code (0: now). */
export function smsWaitSeconds(phone, now = Date.now(), storage, interval = SMS_INTERVAL_S) {
  const at = Number(read(storage)[phone])
  if (!phone || !Number.isFinite(at) || at <= 0) return 0
  const left = Math.ceil((at + interval * 1000 - now) / 1000)
  return Math.max(0, Math.min(interval, left))
}
