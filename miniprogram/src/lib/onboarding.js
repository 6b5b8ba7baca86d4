// The account-opening API (e-KYC) for the mini-program: photos go up as multipart bodies built
// from their temporary files (lib/request.js `upload`). The liveness upload is one function,
// `uploadFace`, so a change of the capture protocol (identity/docs.md) is made in one place.
const { api } = require('./request.js')

const LONG = { timeout: 180000 } // OCR and face models may load on first use

const path = (appId, step = '') => `/onboarding/${encodeURIComponent(appId)}${step}`

module.exports = {
  start: (body) => api.post('/onboarding', body),
  current: () => api.get('/onboarding/current'),
  agreements: () => api.get('/onboarding/agreements', { auth: false }),
  uploadIdCard: (appId, { front, back }) => api.upload(path(appId, '/id-card'), {
    files: [{ name: 'front', filePath: front, filename: 'front.jpg' }, { name: 'back', filePath: back, filename: 'back.jpg' }],
  }, LONG),
  confirmIdentity: (appId, body) => api.post(path(appId, '/identity'), body, { timeout: 60000 }),
  challenge: (appId) => api.get(path(appId, '/face/challenge')),
  /**
   * The liveness step: a frontal selfie and one frame per challenge action, in the challenge's
   * order, with the challenge's nonce and the face-data consent version the customer accepted.
   * `mirrored`: the frames are mirrored like a front-camera preview (ours are not).
   */
  uploadFace: (appId, { selfie, frames, challenge, consentVersion, mirrored = false }) => api.upload(path(appId, '/face'), {
    files: [
      { name: 'selfie', filePath: selfie, filename: 'selfie.jpg' },
      ...frames.map((filePath, i) => ({ name: 'frames', filePath, filename: `frame-${i}.jpg` })),
    ],
    fields: { face_consent_version: consentVersion, nonce: challenge.nonce, mirrored: mirrored ? 'true' : 'false' },
  }, LONG),
  bindCard: (appId, body) => api.post(path(appId, '/card'), body, { timeout: 60000 }),
  confirmCard: (appId, code) => api.post(path(appId, '/card/confirm'), { code }),
  submit: (appId, body) => api.post(path(appId, '/submit'), body, { timeout: 60000 }),
}
