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
 * createPinFlow({post, onSuccess, onPinError, onFailed, onUncertain}):
 * post(body) → Promise; onPinError(text); onFailed(err, text); onUncertain(err, text, retry).
 */
function createPinFlow(handlers) {
  const { post, onSuccess, onPinError, onFailed, onUncertain } = handlers
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
