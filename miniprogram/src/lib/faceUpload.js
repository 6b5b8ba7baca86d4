// The liveness upload of the mini-program, one function for onboarding's face step
// (lib/onboarding.js uploadFace) and a face step-up (lib/stepUp.js): the selfie and one frame
// per challenge action, in the challenge's order, with its nonce and the capture protocol's
// signatures (identity/docs.md; the H5 app's own implementation, web/m/src/capture.js →
// shared/). Each file is read once: the bytes signed are the bytes sent.
const { api } = require('./request.js')
const { captureField } = require('../shared/m/capture.js')

const LONG = { timeout: 180000 } // face models may load on first use

function contentTypeOf(file) {
  return /\.png$/i.test(String(file)) ? 'image/png' : 'image/jpeg'
}

/**
 * POST the pictures to `path`: {selfie, frames} temporary files, `times` (ms from the
 * challenge's arrival to each picture, selfie first), `mirrored` (lib/faceCapture.js
 * photosMirrored), `fields` sent before the protocol's own (e.g. face_consent_version).
 */
function uploadFacePictures(path, { selfie, frames, times = [], challenge, mirrored = false, fields = {} }) {
  const fsm = wx.getFileSystemManager()
  const paths = [selfie, ...frames]
  const datas = paths.map((p) => fsm.readFileSync(p))
  const capture = captureField(challenge, datas.map((data, i) => ({ bytes: new Uint8Array(data), t: times[i] || 0 })))
  const files = paths.map((p, i) => {
    const type = contentTypeOf(p)
    const filename = `${i === 0 ? 'selfie' : `frame-${i - 1}`}.${type === 'image/png' ? 'png' : 'jpg'}`
    return { name: i === 0 ? 'selfie' : 'frames', filename, contentType: type, data: datas[i] }
  })
  return api.upload(path, {
    files,
    fields: { ...fields, nonce: challenge.nonce, mirrored: mirrored ? 'true' : 'false', capture },
  }, LONG)
}

module.exports = { uploadFacePictures, contentTypeOf }
