// The capture protocol, client side (identity/docs.md "Capture protocol"): every picture of a
// liveness attempt is signed for its challenge. Plain JS with its own SHA-256, HMAC, UTF-8 and
// base64url, so that it runs where WebCrypto, TextEncoder and atob do not (plain-http pages, the
// WeChat mini-program's JS engine). One source: the H5 app imports it, and
// miniprogram/scripts/build.js converts it to CommonJS for the mini-program (shared/m/capture.js).
//
//   sig_i = HMAC-SHA256(base64url-decode(challenge.capture_key),
//                       `odcap1|${nonce}|${i}|${label}|${t}|${sha256hex(bytes_i)}`)  (hex)
//
// i = 0 for the selfie (label "selfie"), 1…n for the frames (label = the action); t = whole
// milliseconds from receiving the challenge to taking that picture, increasing, at least
// challenge.capture.min_gap_ms apart. Sent as the form field `capture`:
//   {"v": 1, "nonce": ..., "frames": [{"i", "label", "t", "sig"}, ...]}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** SHA-256 of bytes (Uint8Array) → Uint8Array(32). */
export function sha256(bytes) {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
  const len = bytes.length
  const total = (((len + 9 + 63) >> 6) << 6) >>> 0
  const msg = new Uint8Array(total)
  msg.set(bytes)
  msg[len] = 0x80
  const view = new DataView(msg.buffer)
  view.setUint32(total - 8, Math.floor(len / 0x20000000), false)
  view.setUint32(total - 4, (len << 3) >>> 0, false)
  const w = new Uint32Array(64)
  const rotr = (x, n) => (x >>> n) | (x << (32 - n))
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i += 1) w[i] = view.getUint32(off + i * 4, false)
    for (let i = 16; i < 64; i += 1) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3)
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10)
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0
    }
    let [a, b, c, d, e, f, g, hh] = h
    for (let i = 0; i < 64; i += 1) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0
      hh = g
      g = f
      f = e
      e = (d + t1) >>> 0
      d = c
      c = b
      b = a
      a = (t1 + t2) >>> 0
    }
    h[0] += a
    h[1] += b
    h[2] += c
    h[3] += d
    h[4] += e
    h[5] += f
    h[6] += g
    h[7] += hh
  }
  const out = new Uint8Array(32)
  const ov = new DataView(out.buffer)
  for (let i = 0; i < 8; i += 1) ov.setUint32(i * 4, h[i], false)
  return out
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** UTF-8 bytes of a string (no TextEncoder: the mini-program's engine may not have it). */
export function utf8(text) {
  const out = []
  for (const ch of String(text)) {
    const c = ch.codePointAt(0)
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return Uint8Array.from(out)
}

/** HMAC-SHA256(key, message), both Uint8Array → Uint8Array(32). */
export function hmacSha256(key, message) {
  let k = key.length > 64 ? sha256(key) : key
  const block = new Uint8Array(64)
  block.set(k)
  const inner = new Uint8Array(64 + message.length)
  const outer = new Uint8Array(64 + 32)
  for (let i = 0; i < 64; i += 1) {
    inner[i] = block[i] ^ 0x36
    outer[i] = block[i] ^ 0x5c
  }
  inner.set(message, 64)
  outer.set(sha256(inner), 64)
  k = null
  return sha256(outer)
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** base64url (padding optional; '+' and '/' also accepted) → Uint8Array, without atob. */
export function fromBase64Url(text) {
  const clean = String(text).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let bits = 0
  let acc = 0
  let n = 0
  for (const ch of clean) {
    const v = B64.indexOf(ch)
    if (v < 0) throw new Error('capture_key is not base64url')
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[n] = (acc >> bits) & 0xff
      n += 1
    }
  }
  return out.subarray(0, n)
}

/** The signature of one picture (hex). */
export function signPicture(captureKey, nonce, i, label, t, bytes) {
  const msg = `odcap1|${nonce}|${i}|${label}|${t}|${hex(sha256(bytes))}`
  return hex(hmacSha256(fromBase64Url(captureKey), utf8(msg)))
}

/**
 * The `capture` form field for a challenge and its pictures, selfie first:
 * pictures = [{ bytes: Uint8Array, t: ms since the challenge arrived }, ...].
 * Times are made strictly increasing by at least `min_gap_ms` (a picture chosen twice fast
 * would otherwise be refused as out of order).
 */
export function captureField(challenge, pictures) {
  const labels = ['selfie', ...challenge.actions]
  const gap = (challenge.capture && challenge.capture.min_gap_ms) || 200
  let last = -Infinity
  const frames = pictures.map((p, i) => {
    const t = Math.max(0, Math.round(p.t), last + gap)
    last = t
    return { i, label: labels[i], t, sig: signPicture(challenge.capture_key, challenge.nonce, i, labels[i], t, p.bytes) }
  })
  return JSON.stringify({ v: 1, nonce: challenge.nonce, frames })
}
