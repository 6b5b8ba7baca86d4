// One SMS code a minute per phone and purpose: the app remembers when it asked, so the next
// button for the same purpose waits, and a button for another purpose does not.
import { describe, expect, it } from 'vitest'
import { noteSmsSent, smsWaitSeconds } from '../m/src/smsCooldown.js'
import { fitWithin, needsShrinking } from '../m/src/imageFile.js'

function memoryStorage() {
  const data = new Map()
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)) }
}

describe('smsCooldown', () => {
  it('counts down from the last code sent to that phone for that purpose', () => {
    const s = memoryStorage()
    const t0 = 1_700_000_000_000
    expect(smsWaitSeconds('13900139000', 'login', t0, s)).toBe(0)
    noteSmsSent('13900139000', 'login', t0, s)
    expect(smsWaitSeconds('13900139000', 'login', t0, s)).toBe(60)
    expect(smsWaitSeconds('13900139000', 'login', t0 + 20_500, s)).toBe(40)
    expect(smsWaitSeconds('13900139000', 'login', t0 + 60_000, s)).toBe(0)
    expect(smsWaitSeconds('13800138000', 'login', t0, s)).toBe(0) // another phone
  })

  it('a login code never delays the card-binding code (the server limits per purpose)', () => {
    const s = memoryStorage()
    const t0 = 1_700_000_000_000
    noteSmsSent('13900139000', 'login', t0, s)
    expect(smsWaitSeconds('13900139000', 'bind_card', t0 + 1000, s)).toBe(0)
    noteSmsSent('13900139000', 'bind_card', t0 + 1000, s)
    expect(smsWaitSeconds('13900139000', 'bind_card', t0 + 1000, s)).toBe(60)
  })

  it('never waits longer than the interval (clock changes)', () => {
    const s = memoryStorage()
    noteSmsSent('13900139000', 'login', 10_000_000, s)
    expect(smsWaitSeconds('13900139000', 'login', 0, s)).toBe(60)
  })

  it('survives broken storage', () => {
    const broken = { getItem: () => '{not json', setItem: () => { throw new Error('full') } }
    expect(() => noteSmsSent('13900139000', 'login', 1, broken)).not.toThrow()
    expect(smsWaitSeconds('13900139000', 'login', 1, broken)).toBe(0)
  })
})

describe('imageFile', () => {
  it('only shrinks large photos', () => {
    expect(needsShrinking({ size: 500_000 })).toBe(false)
    expect(needsShrinking({ size: 6_000_000 })).toBe(true)
    expect(needsShrinking(null)).toBe(false)
  })

  it('keeps the aspect ratio within the longest side', () => {
    expect(fitWithin(4032, 3024, 2400)).toEqual({ width: 2400, height: 1800 })
    expect(fitWithin(3024, 4032, 2400)).toEqual({ width: 1800, height: 2400 })
    expect(fitWithin(1028, 649, 2400)).toEqual({ width: 1028, height: 649 })
  })
})
