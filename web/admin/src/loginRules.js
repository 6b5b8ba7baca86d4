// Checks the login page makes before asking the server (which checks again, with its own policy).

export const MIN_PASSWORD = 10

/** A new password → the i18n key of its problem, or null. */
export function passwordProblem(next, repeat, current) {
  const s = String(next ?? '')
  if (s.length < MIN_PASSWORD) return 'login.passwordTooShort'
  if (s.length > 128) return 'login.passwordTooLong'
  if (!/[A-Za-z]/.test(s) || !/[0-9]/.test(s)) return 'login.passwordWeak'
  if (s !== String(repeat ?? '')) return 'login.passwordMismatch'
  if (current && s === current) return 'login.passwordSame'
  return null
}

/** A TOTP code: six digits. */
export function otpProblem(code) {
  return /^\d{6}$/.test(String(code ?? '').trim()) ? null : 'login.otpFormat'
}

/** The server's QR picture of the enrolment, when it sent one (SVG text, PNG base64 or a data URI). */
export function enrolmentImage(enrolment) {
  if (!enrolment || typeof enrolment !== 'object') return ''
  const uri = enrolment.qr_data_uri || enrolment.qr_uri
  if (typeof uri === 'string' && uri.startsWith('data:image/')) return uri
  if (typeof enrolment.qr_png === 'string' && enrolment.qr_png) return `data:image/png;base64,${enrolment.qr_png}`
  if (typeof enrolment.qr_svg === 'string' && enrolment.qr_svg.trim().startsWith('<svg')) {
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`
  }
  return ''
}

/** A base32 secret in groups of four, as authenticator apps show and accept it. */
export function groupSecret(secret) {
  return String(secret || '').replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ')
}
