// When the server says the console must first change the password or finish MFA enrolment
// (api.md "First login and MFA"), any page hands over to that step of the login page.
import { onErrorResponse } from './client.js'
import { markPasswordChangeRequired, session } from './session.js'

export const PASSWORD_CODES = ['PASSWORD_CHANGE_REQUIRED']
export const MFA_CODES = ['MFA_ENROLMENT_REQUIRED', 'MFA_ENROLLMENT_REQUIRED', 'MFA_NOT_CONFIRMED']

export function installPasswordChangeHook(router) {
  return onErrorResponse((err) => {
    if (err.status !== 403) return
    const current = router.currentRoute.value
    if (PASSWORD_CODES.includes(err.code)) {
      markPasswordChangeRequired()
      if (current.name !== 'login') router.replace({ name: 'login', query: { step: 'password' } })
    } else if (MFA_CODES.includes(err.code) && session.mfaEnrolment && current.name !== 'login') {
      router.replace({ name: 'login', query: { step: 'mfa' } })
    }
  })
}
