// multipart/form-data bodies as an ArrayBuffer, for wx.request: wx.uploadFile sends one file
// per request, and the onboarding API takes both sides of the ID card (or a selfie and one
// frame per action) in one.
const { utf8 } = require('../shared/m/capture.js') // the one UTF-8 encoder of the shared code

function randomBoundary() {
  let s = ''
  for (let i = 0; i < 24; i += 1) s += Math.floor(Math.random() * 36).toString(36)
  return `----odmp${s}`
}

/**
 * encode([{name, value}] | [{name, filename, contentType, data: ArrayBuffer}]) →
 * {body: ArrayBuffer, contentType: 'multipart/form-data; boundary=...'}
 */
function encode(parts, boundary = randomBoundary()) {
  const chunks = []
  let size = 0
  const push = (bytes) => {
    chunks.push(bytes)
    size += bytes.length
  }
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.data !== undefined) {
      head += `; filename="${part.filename || part.name}"\r\nContent-Type: ${part.contentType || 'application/octet-stream'}`
    }
    push(utf8(`${head}\r\n\r\n`))
    push(part.data !== undefined ? new Uint8Array(part.data) : utf8(part.value))
    push(utf8('\r\n'))
  }
  push(utf8(`--${boundary}--\r\n`))
  const body = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    body.set(c, at)
    at += c.length
  }
  return { body: body.buffer, contentType: `multipart/form-data; boundary=${boundary}` }
}

module.exports = { encode, utf8 }
