// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"): the
// customer verifies by an SMS code sent to the account's phone, then the caller repeats the
// very same request — same idempotency key — with `step_up_id` added. A face-only step-up is
// not offered in the H5 app yet: the caller shows the server's message instead.
import { api } from '@shared/api.js'
import { t } from '@shared/i18n.js'

const TRIES = 3

/** Ask the customer for the SMS code; null when they cancel. */
function promptCode(again) {
  const text = again ? t('stepUp.codeAgain') : t('stepUp.codePrompt')
  const value = typeof window !== 'undefined' && window.prompt ? window.prompt(text) : null
  return Promise.resolve(value ? value.trim() : null)
}

/**
 * Pass the step-up of `err` by SMS: send the code, ask for it, confirm it.
 * Resolves to the passed step_up_id, or null when SMS is not offered or the customer gave up.
 */
export async function smsStepUp(err, { client = api, askCode = promptCode } = {}) {
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
