import { describe, expect, it } from 'vitest'
import { captureField, hex, hmacSha256, sha256, signPicture, utf8 } from '../m/src/capture.js'

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
