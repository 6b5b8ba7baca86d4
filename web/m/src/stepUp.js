// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"): the
// customer verifies by an SMS code sent to the account's phone when the step-up offers SMS,
// else by face in the face sheet (faceVerify.js), then the caller repeats the very same
// request — same idempotency key — with `step_up_id` added.
import { h, ref } from 'vue'
import { Field, showDialog } from 'vant'
import { api } from '@shared/api.js'
import { t } from '@shared/i18n.js'
import { cleanCode, smsStepUp as passBySms } from './stepUpSms.js'
import { passStepUp } from './stepUpFace.js'
import { faceStepUpInSheet } from './faceVerify.js'

export { cleanCode }

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

/** Pass the step-up of `err` by SMS (stepUpSms.js), the code asked in the dialog above. */
export function smsStepUp(err, { client = api, askCode = promptCode } = {}) {
  return passBySms(err, { client, askCode })
}

/** Pass the step-up of `err` by SMS when it offers SMS, else by face; → the id or null. */
export function stepUp(err, { sms = smsStepUp, face = faceStepUpInSheet } = {}) {
  return passStepUp(err, { sms, face })
}
