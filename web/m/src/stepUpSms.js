// Passing a 403 STEP_UP_REQUIRED by SMS (api.md "Step-up and lifecycle"), without a UI: one
// source for the H5 app (web/m/src/stepUp.js, a Vant dialog) and the mini-program
// (miniprogram/src/lib/stepUp.js, wx.showModal), each giving its own `askCode`.

const TRIES = 3

/** The SMS code typed in: its digits, six at most. */
export function cleanCode(value) {
  return String(value || '').replace(/\D/g, '').slice(0, 6)
}

/**
 * Pass the step-up of `err` by SMS: send the code, ask for it (`askCode(again)` → the code or
 * null), confirm it. Resolves to the passed step_up_id, or null when SMS is not offered or the
 * customer gave up.
 */
export async function smsStepUp(err, { client, askCode }) {
  const details = (err && err.details) || {}
  const id = details.step_up_id
  const methods = details.methods || []
  if (!id || !methods.includes('sms')) return null
  const path = `/step-up/${encodeURIComponent(id)}`
  await client.post(`${path}/sms`, {})
  for (let n = 0; n < TRIES; n += 1) {
    const code = await askCode(n > 0)
    if (!code) return null
    try {
      await client.post(`${path}/sms/confirm`, { code })
      return id
    } catch (e) {
      if (!e || e.code !== 'STEP_UP_SMS_CODE_INVALID') throw e
    }
  }
  return null
}
