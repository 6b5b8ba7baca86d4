// A money call that answered 403 STEP_UP_REQUIRED (api.md "Step-up and lifecycle"), as the H5
// app passes it (web/m/src/stepUp.js): an SMS code to the account's phone, asked for in
// WeChat's own dialog, when the step-up offers SMS; else the face, in the page's face-verify
// component (components/face-verify); then the caller repeats the very same request — same
// idempotency key — with `step_up_id`. An account suspended for inactivity (403
// REVERIFICATION_REQUIRED) is re-verified by face the same way (POST /account/reactivate).
// The loops are the H5 app's own (shared/m/stepUpSms.js, shared/m/stepUpFace.js).
const { t } = require('./i18n.js')
const { cleanCode, smsStepUp: passBySms } = require('../shared/m/stepUpSms.js')
const { faceStepUp: passByFace, passStepUp, reactivate } = require('../shared/m/stepUpFace.js')
const { uploadFacePictures } = require('./faceUpload.js')

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

function apiClient(client) {
  return client || require('./request.js').api
}

/** Pass the step-up of `err` by SMS (the shared stepUpSms.js), the code asked by wx.showModal. */
function smsStepUp(err, { client, askCode = promptCode } = {}) {
  return passBySms(err, { client: apiClient(client), askCode })
}

/**
 * Pass the step-up of `err` by face in `sheet` (the page's face-verify component; `mode`:
 * step_up | reactivate); → the passed id or null. Refusals ending the step-up are thrown.
 */
async function faceStepUp(err, { sheet, client, mode = 'step_up' } = {}) {
  if (!sheet) return null
  sheet.begin(mode)
  const upload = async (path, challenge, pictures) => {
    sheet.setBusy(true)
    try {
      return await uploadFacePictures(path, { ...pictures, challenge })
    } finally {
      sheet.setBusy(false)
    }
  }
  try {
    return await passByFace(err, { client: apiClient(client), capture: (ch, refusal) => sheet.capture(ch, refusal), upload })
  } finally {
    sheet.end()
  }
}

/** SMS when the step-up offers it, else face in `sheet`. */
function stepUp(err, { sheet, client } = {}) {
  return passStepUp(err, { sms: (e) => smsStepUp(e, { client }), face: (e) => faceStepUp(e, { sheet, client }) })
}

/** Lift a suspension for inactivity by face in `sheet`; → the answer ({status}) or null. */
function reactivateByFace({ sheet, client } = {}) {
  return reactivate({ client: apiClient(client), passFace: (e) => faceStepUp(e, { sheet, client, mode: 'reactivate' }) })
}

module.exports = { smsStepUp, faceStepUp, stepUp, reactivateByFace, promptCode, cleanCode }
