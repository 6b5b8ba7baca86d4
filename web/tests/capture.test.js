import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { captureField, fromBase64Url, hex, hmacSha256, sha256, signPicture, utf8 } from '../m/src/capture.js'

// the vectors the server's tests check too (tests/unit/test_identity_capture.py)
const VECTORS = JSON.parse(readFileSync(resolve(__dirname, '../../tests/vectors/capture.json'), 'utf8'))
const bytesOf = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'))

describe('capture protocol (client side)', () => {
  it('SHA-256 matches the standard vectors', () => {
    expect(hex(sha256(utf8('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    const long = utf8('a'.repeat(1000))
    expect(hex(sha256(long))).toBe('41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3')
  })

  it('HMAC-SHA256 matches RFC 4231 case 2', () => {
    expect(hex(hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  })

  it('signs a picture exactly as the server checks it (vector from test_identity_capture.py)', () => {
    expect(signPicture('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', 'abc', 1, 'blink', 1234, utf8('hello'))).toBe(
      'f1409c4d438b885b2797abadd731a7e9b97958e9946c4a21fa9a8d4d19abd26b',
    )
  })

  it('signs every shared vector and builds the shared capture field byte for byte', () => {
    for (const v of VECTORS.signatures) {
      expect(signPicture(v.key, v.nonce, v.i, v.label, v.t, bytesOf(v.bytes_b64))).toBe(v.sig)
    }
    const { challenge, pictures, field } = VECTORS.capture_field
    const built = captureField(challenge, pictures.map((p) => ({ bytes: bytesOf(p.bytes_b64), t: p.t })))
    expect(JSON.parse(built)).toEqual(field)
  })

  it('decodes UTF-8 and base64url without TextEncoder or atob', () => {
    expect(Array.from(utf8('a·中😀'))).toEqual(Array.from(new TextEncoder().encode('a·中😀')))
    const raw = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255)
    const b64url = Buffer.from(raw).toString('base64url')
    expect(Array.from(fromBase64Url(b64url))).toEqual(Array.from(raw))
    expect(Array.from(fromBase64Url(`${Buffer.from(raw).toString('base64')}`))).toEqual(Array.from(raw))
    expect(() => fromBase64Url('ab$d')).toThrow()
  })

  it('builds the capture field with increasing times, selfie first', () => {
    const ch = { nonce: 'n1', actions: ['turn_left', 'blink'], capture_key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', capture: { min_gap_ms: 200 } }
    const doc = JSON.parse(captureField(ch, [{ bytes: utf8('s'), t: 50 }, { bytes: utf8('a'), t: 60 }, { bytes: utf8('b'), t: 3000 }]))
    expect(doc.v).toBe(1)
    expect(doc.nonce).toBe('n1')
    expect(doc.frames.map((f) => [f.i, f.label, f.t])).toEqual([
      [0, 'selfie', 50],
      [1, 'turn_left', 250],
      [2, 'blink', 3000],
    ])
    expect(doc.frames[2].sig).toBe(signPicture(ch.capture_key, 'n1', 2, 'blink', 3000, utf8('b')))
  })
})
