// The account-opening API (e-KYC) for the mini-program: photos go up as multipart bodies built
// from their temporary files (lib/request.js `upload`). The liveness upload is one function,
// `uploadFace`, so a change of the capture protocol (identity/docs.md) is made in one place;
// its signatures come from the H5 app's own implementation (web/m/src/capture.js → shared/).
const { api } = require('./request.js')
const { captureField } = require('../shared/m/capture.js')

const LONG = { timeout: 180000 } // OCR and face models may load on first use

const path = (appId, step = '') => `/onboarding/${encodeURIComponent(appId)}${step}`

function contentTypeOf(file) {
  return /\.png$/i.test(String(file)) ? 'image/png' : 'image/jpeg'
}

/**
 * The liveness step: a frontal selfie and one frame per challenge action, in the challenge's
 * order, with the challenge's nonce, the face-data consent version the customer accepted and
 * the capture protocol's signatures. Each file is read once: the bytes signed are the bytes sent.
 * `times`: ms from the challenge's arrival to each picture (selfie first); `mirrored`: the
 * pictures show the person as in a mirror (lib/faceCapture.js photosMirrored).
 */
function uploadFace(appId, { selfie, frames, times = [], challenge, consentVersion, mirrored = false }) {
  const fsm = wx.getFileSystemManager()
  const paths = [selfie, ...frames]
  const datas = paths.map((p) => fsm.readFileSync(p))
  const capture = captureField(challenge, datas.map((data, i) => ({ bytes: new Uint8Array(data), t: times[i] || 0 })))
  const files = paths.map((p, i) => {
    const type = contentTypeOf(p)
    const filename = `${i === 0 ? 'selfie' : `frame-${i - 1}`}.${type === 'image/png' ? 'png' : 'jpg'}`
    return { name: i === 0 ? 'selfie' : 'frames', filename, contentType: type, data: datas[i] }
  })
  return api.upload(path(appId, '/face'), {
    files,
    fields: { face_consent_version: consentVersion, nonce: challenge.nonce, mirrored: mirrored ? 'true' : 'false', capture },
  }, LONG)
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
