// The liveness upload of the H5 app, one place for onboarding's face step and a face step-up
// (identity/docs.md "Capture protocol"): the selfie and one frame per challenge action, each
// scaled down when large (imageFile.js), with the challenge's nonce and the signatures over the
// exact bytes that are sent (capture.js).
import { prepareImage } from './imageFile.js'
import { captureField } from './capture.js'

/**
 * The multipart body for `challenge` and `pictures` = {selfie, frames, times, mirrored}
 * (Files; `times`: ms from the challenge's arrival to each picture, selfie first), plus
 * `fields` (e.g. face_consent_version).
 */
export async function faceForm(challenge, { selfie, frames, times = [], mirrored = false }, fields = {}) {
  const form = new FormData()
  const s = await prepareImage(selfie)
  form.append('selfie', s, s.name || 'selfie.jpg')
  const signed = [{ bytes: new Uint8Array(await s.arrayBuffer()), t: times[0] || 0 }]
  for (const [i, f] of frames.entries()) {
    const p = await prepareImage(f)
    form.append('frames', p, p.name || `frame-${i}.jpg`)
    signed.push({ bytes: new Uint8Array(await p.arrayBuffer()), t: times[i + 1] || 0 })
  }
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  form.append('nonce', challenge.nonce)
  form.append('mirrored', mirrored ? 'true' : 'false')
  form.append('capture', captureField(challenge, signed))
  return form
}
