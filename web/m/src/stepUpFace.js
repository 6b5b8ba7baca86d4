// Passing a 403 STEP_UP_REQUIRED by face, and lifting a suspension for inactivity (403
// REVERIFICATION_REQUIRED, api.md "Step-up and lifecycle"), without a UI: one source for the H5
// app (web/m/src/stepUp.js, the face sheet) and the mini-program (miniprogram/src/lib/stepUp.js,
// the face-verify component), copied by miniprogram/scripts/build.js as shared/m/stepUpFace.js.
//
// The face pictures are taken exactly as onboarding's face step takes them (the liveness
// challenge, a selfie and one frame per action, signed for the challenge); each client gives:
//   capture(challenge, refusal) → {selfie, frames, times, mirrored} or null (the customer gave
//       up); `refusal` is the error of the previous attempt (its sentence is shown), or null;
//   upload(path, challenge, pictures) → the multipart POST of those pictures to `path`.

const RECHALLENGE = ['LIVENESS_CHALLENGE_EXPIRED', 'LIVENESS_CHALLENGE_MISSING']

/** `/step-up/{id}` for a step-up id. */
export function stepUpPath(id) {
  return `/step-up/${encodeURIComponent(id)}`
}

/** The methods a STEP_UP_REQUIRED offers (`details.methods`). */
export function stepUpMethods(err) {
  const details = (err && err.details) || {}
  return details.step_up_id && Array.isArray(details.methods) ? details.methods : []
}

/**
 * Pass the step-up of `err` by face: GET its challenge, let the customer take the pictures,
 * POST them to /step-up/{id}/face. A refusal (LIVENESS_*, FACE_*, CAPTURE_*) answers the next
 * challenge in `details.challenge`: the customer takes new pictures for it, the refusal's
 * sentence shown. An expired or missing challenge, or an upload whose outcome is unknown, is
 * followed by the step-up's live challenge. Resolves to the passed step_up_id, or null when
 * face is not offered or the customer gave up; anything else (STEP_UP_FAILED after the third
 * refusal, STEP_UP_EXPIRED, …) is thrown for the caller to explain.
 */
export async function faceStepUp(err, { client, capture, upload }) {
  if (!stepUpMethods(err).includes('face')) return null
  const id = err.details.step_up_id
  const path = stepUpPath(id)
  let challenge = await client.get(`${path}/challenge`)
  let refusal = null
  for (;;) {
    const pictures = await capture(challenge, refusal)
    if (!pictures) return null
    try {
      await upload(`${path}/face`, challenge, pictures)
      return id
    } catch (e) {
      const next = e && e.details && e.details.challenge
      if (next) {
        challenge = next // every attempt uses its challenge up; the pictures are taken again
      } else if (e && (RECHALLENGE.includes(e.code) || e.uncertain)) {
        challenge = await client.get(`${path}/challenge`)
      } else {
        throw e
      }
      refusal = e
    }
  }
}

/**
 * What the sheet says after a refusal: the server's sentence (`text(err)`, the app's error
 * mapping) and, when the step-up still allows them, the tries left (`left(n)`).
 */
export function refusalSentence(err, { text, left }) {
  if (!err) return ''
  const n = err.details && err.details.attempts_left
  return Number.isInteger(n) && n > 0 ? `${text(err)} ${left(n)}` : text(err)
}

/**
 * Pass a step-up by the method it offers: SMS when offered (the quicker one), else face.
 * `sms(err)` and `face(err)` each resolve to the passed id or null.
 */
export function passStepUp(err, { sms, face }) {
  const methods = stepUpMethods(err)
  if (methods.includes('sms') && sms) return sms(err)
  if (methods.includes('face') && face) return face(err)
  return Promise.resolve(null)
}

/**
 * Lift a suspension for inactivity: POST /account/reactivate answers STEP_UP_REQUIRED (face
 * only); `passFace(err)` passes it; the same call with `step_up_id` makes the account usable
 * again. Resolves to the answer ({status: 'normal'}), or null when the customer gave up.
 */
export async function reactivate({ client, passFace }) {
  let asked
  try {
    return await client.post('/account/reactivate', {})
  } catch (e) {
    if (!e || e.code !== 'STEP_UP_REQUIRED') throw e
    asked = e
  }
  const passed = await passFace(asked)
  if (!passed) return null
  return client.post('/account/reactivate', { step_up_id: passed })
}

/** Statuses the dormancy rules set: the customer can lift them with a face re-verification. */
export const DORMANCY_STATUSES = ['non_counter_suspended', 'dormant']

/** The account (GET /account) is suspended for inactivity and can be re-verified here. */
export function reactivatable(account) {
  return Boolean(account) && DORMANCY_STATUSES.includes(account.status)
}
