// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"): the
// customer verifies by an SMS code sent to the account's phone, then the caller repeats the
// very same request — same idempotency key — with `step_up_id` added. A face-only step-up is
// not offered in the H5 app yet: the caller shows the server's message instead.
import { h, ref } from 'vue'
import { Field, showDialog } from 'vant'
import { api } from '@shared/api.js'
import { t } from '@shared/i18n.js'

const TRIES = 3

/** The SMS code typed in (6 digits at most; anything else is dropped as it is typed). */
export function cleanCode(value) {
  return String(value || '').replace(/\D/g, '').slice(0, 6)
}

/**
 * Ask the customer for the SMS code in the app's own dialog (a numeric field under the
 * sentence); resolves to the code, or null when they cancel.
 */
export function promptCode(again, { dialog = showDialog } = {}) {
  const code = ref('')
  const message = () => h('div', { class: 'od-step-up' }, [
    h('p', { class: 'od-step-up-text' }, again ? t('stepUp.codeAgain') : t('stepUp.codePrompt')),
    h(Field, {
      modelValue: code.value,
      'onUpdate:modelValue': (v) => { code.value = cleanCode(v) },
      type: 'digit', maxlength: 6, autocomplete: 'one-time-code', inputmode: 'numeric',
      placeholder: t('stepUp.codePlaceholder'), border: true, class: 'od-step-up-code',
    }),
  ])
  return dialog({
    title: t('stepUp.title'), message, showCancelButton: true,
    confirmButtonText: t('stepUp.confirm'), cancelButtonText: t('stepUp.cancel'),
    beforeClose: (action) => action !== 'confirm' || code.value.length === 6,
  }).then(() => code.value || null, () => null)
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
