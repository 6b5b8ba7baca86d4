// Sandbox only: the demo's ready-made identities (GET /sandbox/identities) as temporary files,
// so a person in DevTools (no ID card, maybe no camera) can walk the same steps: the generated
// ID-card photos, and a face kit made for the challenge — its actions, and its nonce, for which
// the sandbox signs each JPEG (identity/docs.md "Sandbox"): the files are written and sent byte
// for byte as they came, never re-encoded, so the face step takes them as the sandbox's own kit.
const config = require('../config.js')
const { api, buildUrl } = require('./request.js')

function download(url) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: url.startsWith('http') ? url : config.apiBase.replace(/\/$/, '') + url,
      success: (res) => (res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new Error(`HTTP ${res.statusCode}`))),
      fail: reject,
    })
  })
}

function writeJpeg(name, b64) {
  const file = `${wx.env.USER_DATA_PATH}/od-${Date.now()}-${name}.jpg`
  wx.getFileSystemManager().writeFileSync(file, b64, 'base64')
  return file
}

module.exports = {
  identities: () => api.get('/sandbox/identities', { auth: false, timeout: 90000 }),
  /** {front, back} temporary files of the identity's generated ID card. */
  async idCard(ident) {
    const [front, back] = await Promise.all([download(ident.images.front), download(ident.images.back)])
    return { front, back }
  },
  /** {selfie, frames} temporary files made and signed for `challenge` (not mirrored). */
  async faceKit(ident, challenge, seed) {
    const body = { actions: challenge.actions, nonce: challenge.nonce, mirrored: false, seed }
    const kit = await api.post(ident.face_kit, body, { auth: false, timeout: 90000 })
    return { selfie: writeJpeg('selfie', kit.selfie), frames: kit.frames.map((b64, i) => writeJpeg(`frame-${i}`, b64)) }
  },
  buildUrl,
}
