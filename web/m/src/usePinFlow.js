// The confirm-with-PIN flow shared by top-up, withdraw, purchase and holding withdrawal.
//
// One attempt = one idempotency key (crypto.randomUUID). When the outcome is unknown (no
// response, timeout, 5xx) the exact same body, key included, can be re-sent: the server returns
// the first result, so money never moves twice. A definite refusal (4xx) ends the attempt and
// the next try gets a new key. While a request is in flight everything is disabled.
// A 403 STEP_UP_REQUIRED is passed by SMS or face (`stepUp.js`) and the same body — same key —
// is sent again with `step_up_id`. A 403 REVERIFICATION_REQUIRED (the account was suspended
// for inactivity) opens the face re-verification (`faceVerify.js` reactivateByFace); once the
// account is usable again the PIN sheet opens again for the same payload, a new attempt.
import { ref } from 'vue'
import { showConfirmDialog, showDialog, showSuccessToast } from 'vant'
import { uuid } from '@shared/ids.js'
import { ApiError, errorText } from '@shared/errors.js'
import { toastError } from './notify.js'
import { t } from '@shared/i18n.js'
import { stepUp as passStepUp } from './stepUp.js'
import { reactivateByFace } from './faceVerify.js'

// A wrong PIN: the customer types it again on a fresh keypad. Anything else (PIN_LOCKED,
// PIN_NOT_SET, business refusals) closes the sheet and explains.
const PIN_RETRYABLE = /^PIN_(WRONG|INCORRECT|INVALID|INVALID_FORMAT|MISMATCH)$/

export function usePinFlow({ post, onSuccess, stepUp = passStepUp, reactivate = reactivateByFace }) {
  const show = ref(false)
  const busy = ref(false)
  const resetKey = ref(0)
  const pinError = ref('') // shown inside the sheet, above a fresh keypad
  let fields = null
  let fingerprint = null
  let key = null

  /** Open the PIN sheet for `payload` (everything but pin and idempotency_key). */
  function open(payload) {
    if (busy.value) return
    const fp = JSON.stringify(payload)
    if (fp !== fingerprint || !key) {
      fingerprint = fp
      key = uuid()
    }
    fields = payload
    pinError.value = ''
    resetKey.value += 1
    show.value = true
  }

  function endAttempt() {
    key = null
  }

  async function send(body) {
    busy.value = true
    pinError.value = ''
    try {
      const data = await post(body)
      endAttempt()
      show.value = false
      await onSuccess(data, body)
    } catch (err) {
      if (err instanceof ApiError && err.uncertain) {
        show.value = false
        const again = await showConfirmDialog({
          title: t('pay.unknownTitle'),
          message: `${errorText(err)}\n${t('pay.unknownBody')}`,
          confirmButtonText: t('pay.retrySame'),
          cancelButtonText: t('pay.later'),
        }).then(
          () => true,
          () => false,
        )
        if (again) {
          await send(body) // same key, same body
          return
        }
      } else if (err instanceof ApiError && err.code === 'STEP_UP_REQUIRED' && stepUp) {
        show.value = false
        let passed = null
        try {
          passed = await stepUp(err)
        } catch (stepErr) {
          endAttempt()
          await showDialog({ title: t('pay.failedTitle'), message: errorText(stepErr), confirmButtonText: t('common.ok') })
          return
        }
        if (passed) {
          await send({ ...body, step_up_id: passed }) // same key, same body, verified
          return
        }
        endAttempt()
        await showDialog({ title: t('stepUp.title'), message: errorText(err), confirmButtonText: t('common.ok') })
      } else if (err instanceof ApiError && err.code === 'REVERIFICATION_REQUIRED' && reactivate) {
        show.value = false
        endAttempt()
        let done = null
        try {
          done = await reactivate()
        } catch (stepErr) {
          await showDialog({ title: t('pay.failedTitle'), message: errorText(stepErr), confirmButtonText: t('common.ok') })
          return
        }
        if (done) {
          showSuccessToast(t('faceVerify.reactivated'))
          busy.value = false
          open(fields) // back to what the customer was doing: confirm it again with the PIN
        }
      } else if (err instanceof ApiError) {
        endAttempt()
        if (PIN_RETRYABLE.test(err.code)) {
          pinError.value = errorText(err)
          key = uuid()
          resetKey.value += 1 // fresh, reshuffled keypad
        } else {
          show.value = false
          await showDialog({ title: t('pay.failedTitle'), message: errorText(err), confirmButtonText: t('common.ok') })
        }
      } else {
        show.value = false
        toastError(err)
      }
    } finally {
      busy.value = false
    }
  }

  /** The keypad is full: send the request (ignored while one is in flight). */
  function submitPin(pin) {
    if (busy.value || !fields) return
    if (!key) key = uuid()
    send({ ...fields, pin, idempotency_key: key })
  }

  return { show, busy, resetKey, pinError, open, submitPin }
}
