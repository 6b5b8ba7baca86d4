// A money-moving call confirmed with the PIN (the H5 app's usePinFlow, without Vue).
//
// One attempt = one idempotency key. When the outcome is unknown (no answer, timeout, 5xx) the
// exact same body, key included, may be sent again (`retry`): the server answers with the
// first result, so money never moves twice. A definite refusal ends the attempt; a wrong PIN
// keeps the sheet open on a fresh keypad with the server's sentence.
const { uuid } = require('../shared/ids.js')
const { ApiError, errorText } = require('../shared/errors.js')

const PIN_RETRYABLE = /^PIN_(WRONG|INCORRECT|INVALID|INVALID_FORMAT|MISMATCH)$/

/**
 * createPinFlow({post, onSuccess, onPinError, onFailed, onUncertain, stepUp, reactivate,
 * onReactivated}):
 * post(body) → Promise; onPinError(text); onFailed(err, text); onUncertain(err, text, retry);
 * stepUp(err) → the passed step_up_id or null (a 403 STEP_UP_REQUIRED: the same body and key
 * are sent again with it); reactivate() → the answer or null (a 403 REVERIFICATION_REQUIRED:
 * the face re-verification; then onReactivated(fields) lets the customer confirm the same
 * payload again, a new attempt).
 */
function createPinFlow(handlers) {
  const { post, onSuccess, onPinError, onFailed, onUncertain, stepUp, reactivate, onReactivated } = handlers
  let fields = null
  let fingerprint = null
  let key = null
  let busy = false

  async function send(body) {
    busy = true
    try {
      const data = await post(body)
      key = null
      busy = false
      await onSuccess(data, body)
    } catch (err) {
      busy = false
      const text = errorText(err)
      if (err instanceof ApiError && err.uncertain) {
        onUncertain(err, text, () => send(body)) // same key, same body
      } else if (err instanceof ApiError && err.code === 'STEP_UP_REQUIRED' && stepUp
                 && !body.step_up_id) {
        let passed = null
        try {
          passed = await stepUp(err)
        } catch (stepErr) {
          key = null
          onFailed(stepErr, errorText(stepErr))
          return
        }
        if (passed) await send({ ...body, step_up_id: passed }) // same key, same body, verified
        else {
          key = null
          onFailed(err, text)
        }
      } else if (err instanceof ApiError && err.code === 'REVERIFICATION_REQUIRED' && reactivate) {
        key = null
        let done = null
        try {
          done = await reactivate(err)
        } catch (stepErr) {
          onFailed(stepErr, errorText(stepErr))
          return
        }
        if (done && onReactivated) onReactivated(fields)
        else if (!done) onFailed(err, text)
      } else if (err instanceof ApiError && PIN_RETRYABLE.test(err.code)) {
        key = uuid()
        onPinError(text, err)
      } else {
        key = null
        onFailed(err, text)
      }
    }
  }

  return {
    /** A new attempt for `payload` (everything but pin and idempotency_key). */
    open(payload) {
      const fp = JSON.stringify(payload)
      if (fp !== fingerprint || !key) {
        fingerprint = fp
        key = uuid()
      }
      fields = payload
    },
    /** The keypad is full: send (ignored while a request is in flight). */
    submit(pin) {
      if (busy || !fields) return Promise.resolve()
      if (!key) key = uuid()
      return send({ ...fields, pin, idempotency_key: key })
    },
    get key() {
      return key
    },
    get busy() {
      return busy
    },
  }
}

module.exports = { createPinFlow, PIN_RETRYABLE }

/**
 * The PIN flow wired to a page that shows <pin-keypad show="{{pin.show}}" busy="{{pin.busy}}"
 * error="{{pin.error}}" reset-key="{{pin.reset}}" bind:complete="onPin" bind:close="onPinClose">:
 * returns {open(payload), submit(pin), close()}.
 */
function pinSheet(pageInstance, { post, onSuccess }) {
  const { t } = require('./i18n.js')
  const state = (patch) => pageInstance.setData({ pin: { ...pageInstance.data.pin, ...patch } })
  const { stepUp, reactivateByFace } = require('./stepUp.js')
  const sheet = () => (typeof pageInstance.selectComponent === 'function' ? pageInstance.selectComponent('#face-verify') : null)
  let again = null
  const flow = createPinFlow({
    post,
    stepUp: (err) => {
      const methods = (err.details && err.details.methods) || []
      if (!methods.includes('sms')) state({ show: false, busy: false }) // the face sheet instead
      return stepUp(err, { sheet: sheet() })
    },
    reactivate: () => {
      state({ show: false, busy: false })
      return reactivateByFace({ sheet: sheet() })
    },
    onReactivated(fields) {
      wx.showToast({ title: t('faceVerify.reactivated'), icon: 'success' })
      again(fields) // back to what the customer was doing: the same payload, the PIN again
    },
    async onSuccess(data, body) {
      state({ show: false, busy: false, error: '' })
      await onSuccess(data, body)
    },
    onPinError(text) {
      state({ busy: false, error: text, reset: (pageInstance.data.pin.reset || 0) + 1 })
    },
    onFailed(err, text) {
      state({ show: false, busy: false })
      wx.showModal({ title: t('pay.failedTitle'), content: text, showCancel: false, confirmText: t('common.ok') })
    },
    onUncertain(err, text, retry) {
      state({ show: false, busy: false })
      wx.showModal({
        title: t('pay.unknownTitle'),
        content: `${text}\n${t('pay.unknownBody')}`,
        confirmText: t('pay.retrySame'),
        cancelText: t('pay.later'),
        success: (res) => {
          if (res && res.confirm) {
            state({ busy: true })
            retry()
          }
        },
      })
    },
  })
  again = (payload) => {
    flow.open(payload)
    state({ show: true, busy: false, error: '', reset: (pageInstance.data.pin.reset || 0) + 1 })
  }
  return {
    open: again,
    submit(pin) {
      state({ busy: true, error: '' })
      return flow.submit(pin)
    },
    close() {
      if (!flow.busy) state({ show: false, error: '' })
    },
    get key() {
      return flow.key
    },
  }
}

module.exports.pinSheet = pinSheet
module.exports.PIN_STATE = { show: false, busy: false, error: '', reset: 0 }
