// The account-opening API (e-KYC) for the mini-program: photos go up as multipart bodies built
// from their temporary files (lib/request.js `upload`). The liveness upload is one function,
// lib/faceUpload.js (shared with a face step-up), so a change of the capture protocol
// (identity/docs.md) is made in one place; its signatures come from the H5 app's own
// implementation (web/m/src/capture.js → shared/).
const { api } = require('./request.js')
const { uploadFacePictures, contentTypeOf } = require('./faceUpload.js')

const LONG = { timeout: 180000 } // OCR and face models may load on first use

const path = (appId, step = '') => `/onboarding/${encodeURIComponent(appId)}${step}`

/**
 * The liveness step: a frontal selfie and one frame per challenge action (lib/faceUpload.js),
 * with the face-data consent version the customer accepted.
 */
function uploadFace(appId, { selfie, frames, times = [], challenge, consentVersion, mirrored = false }) {
  return uploadFacePictures(path(appId, '/face'), { selfie, frames, times, challenge, mirrored, fields: { face_consent_version: consentVersion } })
}

module.exports = {
  start: (body) => api.post('/onboarding', body),
  current: () => api.get('/onboarding/current'),
  agreements: () => api.get('/onboarding/agreements', { auth: false }),
  uploadIdCard: (appId, { front, back }) => api.upload(path(appId, '/id-card'), {
    files: [{ name: 'front', filePath: front, filename: 'front.jpg' }, { name: 'back', filePath: back, filename: 'back.jpg' }],
  }, LONG),
  confirmIdentity: (appId, body) => api.post(path(appId, '/identity'), body, { timeout: 60000 }),
  challenge: (appId) => api.get(path(appId, '/face/challenge')),
  uploadFace,
  /** A proof of residence (RESIDENCE_PROOF_REQUIRED): one photo and its kind. */
  uploadResidenceProof: (appId, { file, kind }) => api.upload(path(appId, '/residence-proof'), {
    files: [{ name: 'file', filePath: file, filename: 'proof.jpg', contentType: contentTypeOf(file) }],
    fields: { kind },
  }, { timeout: 60000 }),
  /** The device location, shared with the customer's consent ({lat, lon, accuracy_m}). */
  updateLocation: (appId, location) => api.put(path(appId, '/location'), location),
  bindCard: (appId, body) => api.post(path(appId, '/card'), body, { timeout: 60000 }),
  confirmCard: (appId, code) => api.post(path(appId, '/card/confirm'), { code }),
  submit: (appId, body) => api.post(path(appId, '/submit'), body, { timeout: 60000 }),
}
