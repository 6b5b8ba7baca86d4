// The staff session as reactive state: who is logged in, with which roles, and what the server
// still asks before the console opens (a password change, MFA enrolment). The token itself lives
// in the client (sessionStorage); the rest is kept next to it so a reload keeps the header right.
import { reactive, computed } from 'vue'
import { getToken, setToken, clearToken, onTokenChange, api } from './client.js'

const KEY = 'od_staff'

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null')
    return saved && typeof saved === 'object' ? saved : {}
  } catch {
    return {}
  }
}

function save() {
  try {
    if (session.token) {
      const { username, staffId, roles, passwordChange, expiresAt } = session
      // The TOTP secret is never stored: after a reload the enrolment starts again from a login.
      const mfaEnrolment = session.mfaEnrolment ? { pending: true } : null
      sessionStorage.setItem(KEY, JSON.stringify({ username, staffId, roles, passwordChange, mfaEnrolment, expiresAt }))
    } else {
      sessionStorage.removeItem(KEY)
    }
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

const saved = load()
export const session = reactive({
  token: getToken(),
  username: saved.username || '',
  staffId: saved.staffId ?? null,
  roles: Array.isArray(saved.roles) ? saved.roles : [],
  passwordChange: Boolean(saved.passwordChange), // a one-time password must be replaced first
  mfaEnrolment: saved.mfaEnrolment || null, // {secret, otpauth_uri, ...} until confirmed
  expiresAt: saved.expiresAt || null,
})

function reset() {
  Object.assign(session, { username: '', staffId: null, roles: [], passwordChange: false, mfaEnrolment: null, expiresAt: null })
}

onTokenChange((token) => {
  session.token = token
  if (!token) reset()
  save()
})

export const loggedIn = computed(() => Boolean(session.token))

/** What the console must do before anything else: 'password' | 'mfa' | null. */
export const pendingStep = computed(() => {
  if (!session.token) return null
  if (session.passwordChange) return 'password'
  if (session.mfaEnrolment) return 'mfa'
  return null
})

/** True when the staff member holds one of `roles` (admin holds them all, as on the server). */
export function hasRole(...roles) {
  if (session.roles.includes('admin')) return true
  return roles.flat().some((r) => session.roles.includes(r))
}

/**
 * Keep what a login answer says (api.md "First login and MFA"): the token, the roles, and what
 * the token must do first (`pending`: password_change | mfa_enrolment). Changing the password and
 * confirming MFA answer a fresh login the same way, with a new token.
 */
export function applyLoginAnswer(answer, username = session.username) {
  const enrolment = answer.mfa_enrolment && typeof answer.mfa_enrolment === 'object' ? answer.mfa_enrolment : null
  const pending = answer.pending ?? null
  Object.assign(session, {
    username,
    staffId: answer.staff_id ?? session.staffId,
    roles: Array.isArray(answer.roles) ? answer.roles : session.roles,
    passwordChange: pending === 'password_change' || answer.password_change_required === true,
    mfaEnrolment: enrolment,
    expiresAt: answer.expires_in ? Date.now() + Number(answer.expires_in) * 1000 : session.expiresAt,
  })
  if (answer.token) setToken(answer.token) // last: listeners see the whole session
  else save()
}

/** The answer of GET /auth/me (after a reload): what the first login still asks. */
export function applyMe(me) {
  if (!me || typeof me !== 'object') return
  if (Array.isArray(me.roles)) session.roles = me.roles
  if (me.username) session.username = me.username
  if (me.staff_id) session.staffId = me.staff_id
  session.passwordChange = me.pending === 'password_change'
  if (me.pending !== 'mfa_enrolment') session.mfaEnrolment = null
  save()
}

export function markPasswordChangeRequired() {
  if (!session.token) return
  session.passwordChange = true
  save()
}

/** Server-side logout first (the token stops working everywhere), then forget it here. */
export async function logOut() {
  if (getToken()) {
    try {
      await api.post('/auth/logout', {})
    } catch {
      // an expired or revoked token is logged out already
    }
  }
  clearToken()
}
