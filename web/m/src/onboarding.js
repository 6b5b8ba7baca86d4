// Remote account opening (开立账户), the pure part: which page of the wizard an application is
// on, the progress bar, and the checks the customer's input gets before it is sent.
//
// The server owns the order of the steps (POST /onboarding → id-card → identity → face → card
// → card/confirm → submit; GET /onboarding/current says where an application stands). The
// wizard adds pages of its own between them: the separate face-data consent before the face
// step, and the agreements and the PIN (entered twice) that go with the submission.

/** Pages of the wizard, in order. */
export const PAGES = ['start', 'idcard', 'identity', 'consent', 'face', 'card', 'agreements', 'pin', 'result']

/** The progress bar: six stops; the consent page belongs to the face stop. */
export const PROGRESS = ['idcard', 'identity', 'face', 'card', 'agreements', 'pin']

const PROGRESS_OF_PAGE = {
  idcard: 0,
  identity: 1,
  consent: 2,
  face: 2,
  card: 3,
  agreements: 4,
  pin: 5,
}

/** Statuses after which nothing is left for the customer to do in the wizard. */
export const DECIDED = ['opened', 'review', 'rejected']

/**
 * The wizard page for an application view {status, next_step}, or 'start' with none.
 * `hasOcr`: the recognised card fields are still in memory (they are not kept anywhere else,
 * so after a reload the card photos are taken again: the server allows that retake).
 * `consented`: the customer gave the face-data consent in this visit.
 */
export function pageForApplication(app, { hasOcr = false, consented = false } = {}) {
  if (!app || !app.status) return 'start'
  switch (app.status) {
    case 'application':
      return 'idcard'
    case 'id_card':
      return hasOcr ? 'identity' : 'idcard'
    case 'identity':
      return consented ? 'face' : 'consent'
    case 'face':
    case 'card':
      return 'card'
    case 'card_confirmed':
      return 'agreements'
    case 'submitted':
    case 'review':
    case 'opened':
    case 'rejected':
      return 'result'
    default: // expired, or anything this app does not know yet: begin again
      return 'start'
  }
}

/** {index, total} of the progress bar for a page; index -1 outside the steps. */
export function progressOf(page) {
  const index = page in PROGRESS_OF_PAGE ? PROGRESS_OF_PAGE[page] : -1
  return { index, total: PROGRESS.length }
}

/** The result page's kind for a decided (or deciding) status. */
export function resultKind(status) {
  if (status === 'opened' || status === 'review' || status === 'rejected') return status
  return 'processing' // submitted: the decision is being made
}

/** The step name reported in `onboarding_step_completed` when a page is done. */
export const STEP_EVENT = {
  idcard: 'id_card',
  identity: 'identity',
  consent: 'face_consent',
  face: 'face',
  cardSent: 'card',
  card: 'card_confirm',
  agreements: 'agreements',
  pin: 'submit',
}

// --------------------------------------------------------------------------- ID card fields

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK_CHARS = '10X98765432'

/** Full-width digits and letters, spaces and a lower-case or ×-sign X are forgiven. */
export function normalizeIdNumber(raw) {
  return String(raw || '')
    .normalize('NFKC')
    .replace(/×/g, 'X')
    .replace(/\s/g, '')
    .toUpperCase()
}

/** GB 11643 check character of the first 17 digits. */
export function idCheckChar(body17) {
  let sum = 0
  for (let i = 0; i < 17; i += 1) sum += Number(body17[i]) * WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

/** A real calendar date 'YYYY-MM-DD' (or 'YYYYMMDD') → Date at UTC midnight, else null. */
export function parseDate(text) {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(String(text || '').trim())
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null
  return date
}

/** 'YYYY-MM-DD' of a Date (UTC), for API bodies. */
export function isoDate(date) {
  return date.toISOString().slice(0, 10)
}

/** Today in Beijing as a UTC-midnight Date (the bank's calendar). */
export function beijingToday(now = new Date()) {
  const shifted = new Date(now.getTime() + 8 * 3600 * 1000)
  return new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()))
}

/** '' or the problem with an 18-character mainland ID number: FORMAT, NOT_MAINLAND, BIRTH, CHECKSUM. */
export function idNumberProblem(raw, today = beijingToday()) {
  const value = normalizeIdNumber(raw)
  if (!/^\d{17}[\dX]$/.test(value)) return 'FORMAT'
  if (['81', '82', '83'].includes(value.slice(0, 2)) || value[0] === '9') return 'NOT_MAINLAND'
  const birth = parseDate(value.slice(6, 14))
  if (!birth || birth > today || birth.getUTCFullYear() < 1850) return 'BIRTH'
  if (idCheckChar(value) !== value[17]) return 'CHECKSUM'
  return ''
}

/** The birth date in an ID number as 'YYYY-MM-DD', or '' when it has none. */
export function birthDateOf(idNumber) {
  const value = normalizeIdNumber(idNumber)
  const d = /^\d{17}[\dX]$/.test(value) ? parseDate(value.slice(6, 14)) : null
  return d ? isoDate(d) : ''
}

const DOTS = /[•・‧･∙⋅●]/g
const NAME_RE = /^[\u3400-\u9fff\u{20000}-\u{3134f}·]{2,30}$/u

/** NFC, trimmed, look-alike middle dots turned into U+00B7 (never dropped), no spaces. */
export function normalizeName(raw) {
  return String(raw || '')
    .normalize('NFC')
    .trim()
    .replace(DOTS, '·')
    .replace(/\s/g, '')
}

/** '' or INVALID: 2–30 Chinese characters, a middle dot allowed inside (少数民族姓名). */
export function nameProblem(raw) {
  const name = normalizeName(raw)
  if (!NAME_RE.test(name) || name.startsWith('·') || name.endsWith('·')) return 'INVALID'
  return ''
}

/** '' or SHORT / LONG for the address on the card. */
export function addressProblem(raw) {
  const text = String(raw || '').trim()
  if (text.length < 2) return 'SHORT'
  if (text.length > 120) return 'LONG'
  return ''
}

/**
 * Problems with the card's validity period, per field: {valid_from, valid_to} with codes
 * DATE, FUTURE (not in force yet), ORDER (end before start), EXPIRED, EXPIRING (within
 * `bufferDays`). `longTerm` is a 长期 card (no end date).
 */
export function validityProblems({ validFrom, validTo, longTerm }, today = beijingToday(), bufferDays = 30) {
  const out = { valid_from: '', valid_to: '' }
  const from = parseDate(validFrom)
  if (!from) out.valid_from = 'DATE'
  else if (from > today) out.valid_from = 'FUTURE'
  if (longTerm) return out
  const to = parseDate(validTo)
  if (!to) {
    out.valid_to = 'DATE'
    return out
  }
  if (from && to <= from) out.valid_to = 'ORDER'
  else if (to < today) out.valid_to = 'EXPIRED'
  else if (to < new Date(today.getTime() + bufferDays * 86400 * 1000)) out.valid_to = 'EXPIRING'
  return out
}

/** Every field's problem code ('' when fine) for the identity form. */
export function identityProblems(form, today = beijingToday()) {
  return {
    name: nameProblem(form.name),
    id_number: idNumberProblem(form.idNumber, today),
    ...validityProblems(form, today),
    address: addressProblem(form.address),
  }
}

export function hasProblems(problems) {
  return Object.values(problems).some(Boolean)
}

/** The identity form filled from the OCR answer's `fields`. */
export function formFromOcr(fields = {}) {
  const longTerm = Boolean(fields.long_term) || (!fields.valid_to && Boolean(fields.valid_from))
  return {
    name: fields.name || '',
    idNumber: fields.id_number || '',
    validFrom: fields.valid_from || '',
    validTo: longTerm ? '' : fields.valid_to || '',
    longTerm,
    address: fields.address || '',
  }
}

/** The body of POST /onboarding/{id}/identity. */
export function identityBody(form) {
  return {
    name: normalizeName(form.name),
    id_number: normalizeIdNumber(form.idNumber),
    id_valid_from: String(form.validFrom).trim(),
    id_valid_to: form.longTerm ? '长期' : String(form.validTo).trim(),
    address: String(form.address).trim(),
  }
}

// --------------------------------------------------------------------------- card, phone, code

/** Digits only (spaces and dashes typed or pasted are dropped), at most 19. */
export function cardDigits(raw) {
  return String(raw || '')
    .normalize('NFKC')
    .replace(/\D/g, '')
    .slice(0, 19)
}

/** 6222020200112233445 → "6222 0202 0011 2233 445" for reading it back. */
export function formatCardNumber(raw) {
  return cardDigits(raw).replace(/(\d{4})(?=\d)/g, '$1 ')
}

export function luhnValid(digits) {
  let sum = 0
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return digits.length > 0 && sum % 10 === 0
}

/** '' or LENGTH / CHECKSUM for a debit card number (16–19 digits, Luhn). */
export function cardNumberProblem(raw) {
  const digits = cardDigits(raw)
  if (digits.length < 16 || digits.length > 19) return 'LENGTH'
  if (!luhnValid(digits)) return 'CHECKSUM'
  return ''
}

export function phoneProblem(raw) {
  return /^1[3-9]\d{9}$/.test(String(raw || '')) ? '' : 'INVALID'
}

export function smsCodeProblem(raw) {
  return /^\d{6}$/.test(String(raw || '')) ? '' : 'INVALID'
}

// --------------------------------------------------------------------------- PIN

/**
 * '' or the reason a new 6-digit PIN is refused (the server's rule): FORMAT, SAME (all one
 * digit), SEQUENCE (123456, 987654…), BIRTHDAY (YYMMDD or MMDDYY of `birthDate`).
 */
export function pinProblem(pin, birthDate = '') {
  const p = String(pin || '')
  if (!/^\d{6}$/.test(p)) return 'FORMAT'
  if (new Set(p).size === 1) return 'SAME'
  if ('0123456789'.includes(p) || '9876543210'.includes(p)) return 'SEQUENCE'
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate || '')
  if (m) {
    const yy = m[1].slice(2)
    if (p === `${yy}${m[2]}${m[3]}` || p === `${m[2]}${m[3]}${yy}`) return 'BIRTHDAY'
  }
  return ''
}

// --------------------------------------------------------------------------- agreements

/** The agreements accepted at `step` ('face' or 'submit'). */
export function agreementsAt(items, step) {
  return (Array.isArray(items) ? items : []).filter((a) => a && a.at_step === step)
}

/** The `agreements` of the submit body: each accepted id with the version that was shown. */
export function acceptedBody(items, accepted) {
  return agreementsAt(items, 'submit')
    .filter((a) => accepted[a.id])
    .map((a) => ({ id: a.id, version: a.version }))
}

export function allAccepted(items, accepted) {
  const list = agreementsAt(items, 'submit')
  return list.length > 0 && list.every((a) => accepted[a.id])
}

// --------------------------------------------------------------------------- errors

/** Codes that ask for a new ID-card photo (details.side says which one). */
export const RETAKE_CODES = [
  'ID_CARD_NOT_FOUND',
  'ID_CARD_WRONG_SIDE',
  'ID_CARD_TOO_BLURRY',
  'ID_CARD_UNREADABLE',
  'ID_CARD_INCONSISTENT',
  'ID_CARD_COPY',
  'ID_CARD_SCREEN',
  'ID_CARD_GLARE',
  'ID_CARD_INCOMPLETE',
  'ID_CARD_OCCLUDED',
  'ID_CARD_EDITED',
  'ID_CARD_TEMPORARY',
  'IMAGE_REQUIRED',
  'IMAGE_NOT_SUPPORTED',
  'IMAGE_TOO_LARGE',
  'IMAGE_TOO_SMALL',
  'IMAGE_DIMENSIONS_TOO_LARGE',
]

/** Document warnings that went to staff review (the id-card answer's `warnings`). */
export const DOCUMENT_WARNINGS = ['ID_CARD_COPY', 'ID_CARD_SCREEN', 'ID_CARD_GLARE', 'ID_CARD_INCOMPLETE', 'ID_CARD_OCCLUDED', 'ID_CARD_EDITED', 'ID_CARD_TEMPORARY']

export function documentWarnings(warnings) {
  return (Array.isArray(warnings) ? warnings : []).filter((c) => DOCUMENT_WARNINGS.includes(c))
}

/** Codes of a refused liveness attempt: take every picture again (with the camera). */
export const RECAPTURE_CODES = ['LIVENESS_REPLAY', 'LIVENESS_SCREEN', 'LIVENESS_STILL_PHOTO', 'CAPTURE_SIGNATURE_MISSING', 'CAPTURE_SIGNATURE_INVALID', 'CAPTURE_OUT_OF_ORDER', 'CAPTURE_OUTSIDE_WINDOW']

/** Which photo an upload error is about: 'front', 'back', 'selfie', 'frame:<i>' or ''. */
export function photoOfError(err) {
  const d = (err && err.details) || {}
  if (d.side === 'front' || d.side === 'back') return d.side
  const field = typeof d.field === 'string' ? d.field : ''
  if (field === 'front' || field === 'back' || field === 'selfie') return field
  const m = /^frames\[(\d+)\]$/.exec(field)
  if (m) return `frame:${m[1]}`
  if (d.image === 'selfie') return 'selfie'
  if (d.image === 'frame' && Number.isInteger(d.index)) return `frame:${d.index}`
  return ''
}

/** The application is gone for good: begin a new one. */
export function isRestartError(err) {
  return Boolean(err) && ['ONBOARDING_EXPIRED', 'ONBOARDING_NOT_FOUND', 'ONBOARDING_ATTEMPTS_EXCEEDED'].includes(err.code)
}

/** The server's steps moved on (another tab, a replay): reload where the application stands. */
export function isOutOfStepError(err) {
  return Boolean(err) && ['ONBOARDING_STEP_SKIPPED', 'ONBOARDING_STEP_REPLAYED', 'ONBOARDING_CLOSED'].includes(err.code)
}

// --------------------------------------------------------------------------- liveness

export const ACTIONS = ['turn_left', 'turn_right', 'open_mouth', 'blink']

/** A base64 JPEG (the sandbox face kit) → a File for the same upload as a camera photo. */
export function base64ToFile(b64, name, type = 'image/jpeg') {
  const bin = atob(b64)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i)
  return new File([bytes], name, { type })
}
