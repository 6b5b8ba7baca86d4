// Sentences of the account-opening page that depend on codes: the identity form's problems
// (shared/m/onboarding.js codes → the H5 app's texts), the document warnings and the liveness
// prompts.
const { t } = require('../../lib/i18n.js')
const { documentWarnings } = require('../../shared/m/onboarding.js')

const ID_ERRORS = {
  name: { INVALID: 'name' },
  id_number: { FORMAT: 'idFormat', NOT_MAINLAND: 'idMainland', BIRTH: 'idBirth', CHECKSUM: 'idChecksum' },
  valid_from: { DATE: 'date', FUTURE: 'notYet' },
  valid_to: { DATE: 'date', ORDER: 'order', EXPIRED: 'expired', EXPIRING: 'expiring' },
  address: { SHORT: 'address', LONG: 'addressLong' },
}

/** {field: sentence or ''} for identityProblems(...). */
function identityErrors(problems) {
  const out = {}
  for (const field of Object.keys(ID_ERRORS)) {
    const code = problems[field]
    out[field] = code ? t(`open.identity.err.${ID_ERRORS[field][code] || 'date'}`) : ''
  }
  return out
}

const PIN_ERRORS = { FORMAT: 'format', SAME: 'same', SEQUENCE: 'sequence', BIRTHDAY: 'birthday' }

function pinError(code) {
  return code ? t(`open.pin.err.${PIN_ERRORS[code] || 'format'}`) : ''
}

const PROMPTS = {
  selfie: 'open.face.promptSelfie',
  turn_left: 'open.face.promptTurnLeft',
  turn_right: 'open.face.promptTurnRight',
  open_mouth: 'open.face.promptOpenMouth',
  blink: 'open.face.promptBlink',
}

function prompt(step) {
  return PROMPTS[step] ? t(PROMPTS[step]) : step
}

function actionLabel(action) {
  return action === 'selfie' ? t('open.face.selfie') : t(`open.face.${action}`)
}

/**
 * The id-card answer's review-level document warnings (ID_CARD_EDITED, ID_CARD_TEMPORARY…) as the
 * H5 app says them: what was seen, and that staff will look while the customer goes on.
 */
function documentNotices(warnings) {
  return documentWarnings(warnings).map((code) => ({ code, text: `${t(`openReason.${code}`)} ${t('open.identity.documentReview')}` }))
}

module.exports = { identityErrors, pinError, prompt, actionLabel, documentNotices }
