// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"), as the H5
// app passes it (web/m/src/stepUp.js): an SMS code to the account's phone, asked for in
// WeChat's own dialog, confirmed; then the caller repeats the very same request — same
// idempotency key — with `step_up_id`. A face-only step-up shows the server's sentence.
const { t } = require('./i18n.js')

const TRIES = 3

/** The SMS code typed in: its digits, six at most. */
function cleanCode(value) {
  return String(value || '').replace(/\D/g, '').slice(0, 6)
}

/** Ask for the code with an editable wx.showModal; resolves to it, or null when cancelled. */
function promptCode(again) {
  return new Promise((resolve) => {
    wx.showModal({
      title: t('stepUp.title'),
      content: again ? t('stepUp.codeAgain') : t('stepUp.codePrompt'),
      editable: true,
      placeholderText: t('stepUp.codePlaceholder'),
      confirmText: t('stepUp.confirm'),
      cancelText: t('stepUp.cancel'),
      success: (res) => resolve(res && res.confirm ? cleanCode(res.content) || null : null),
      fail: () => resolve(null),
    })
  })
}

/**
 * Pass the step-up of `err` by SMS: send the code, ask for it, confirm it. Resolves to the
 * passed step_up_id, or null when SMS is not offered or the customer gave up.
 */
async function smsStepUp(err, { client, askCode = promptCode } = {}) {
  const api = client || require('./request.js').api
  const details = (err && err.details) || {}
  const id = details.step_up_id
  const methods = details.methods || []
  if (!id || !methods.includes('sms')) return null
  const path = `/step-up/${encodeURIComponent(id)}`
  await api.post(`${path}/sms`, {})
  for (let n = 0; n < TRIES; n += 1) {
    const code = await askCode(n > 0)
    if (!code) return null
    try {
      await api.post(`${path}/sms/confirm`, { code })
      return id
    } catch (e) {
      if (!e || e.code !== 'STEP_UP_SMS_CODE_INVALID') throw e
    }
  }
  return null
}

module.exports = { smsStepUp, promptCode, cleanCode }
