// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"), as the H5
// app passes it (web/m/src/stepUp.js): an SMS code to the account's phone, asked for in
// WeChat's own dialog, confirmed; then the caller repeats the very same request — same
// idempotency key — with `step_up_id`. A face-only step-up shows the server's sentence.
const { t } = require('./i18n.js')
const { cleanCode, smsStepUp: passBySms } = require('../shared/m/stepUpSms.js')

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

/** Pass the step-up of `err` by SMS (the shared stepUpSms.js), the code asked by wx.showModal. */
function smsStepUp(err, { client, askCode = promptCode } = {}) {
  return passBySms(err, { client: client || require('./request.js').api, askCode })
}

module.exports = { smsStepUp, promptCode, cleanCode }
