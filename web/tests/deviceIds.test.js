import { beforeEach, describe, expect, it } from 'vitest'
import { deviceId, keepSignedDeviceId, signedDeviceId } from '../src/ids.js'

describe('device ids', () => {
  beforeEach(() => globalThis.localStorage && globalThis.localStorage.clear())

  it('keeps only a server-signed id, apart from the analytics id', () => {
    const anon = deviceId()
    expect(signedDeviceId()).toBeNull()
    keepSignedDeviceId('web-made-up')
    expect(signedDeviceId()).toBeNull()
    keepSignedDeviceId('d1.6b157751.abcdefghijklmnop.0123456789abcdefghijkl')
    expect(signedDeviceId()).toBe('d1.6b157751.abcdefghijklmnop.0123456789abcdefghijkl')
    expect(deviceId()).toBe(anon)
  })
})
