// The framework-free modules both clients use (the H5 app through Vite, the mini-program through
// miniprogram/scripts/build.js): no Vue, no DOM, no browser storage needed to import them.
import { describe, expect, it, vi } from 'vitest'
import { createTranslator, interpolate, lookup } from '../src/i18nCore.js'
import { ApiError, errorText, setLanguageSource } from '../src/errors.js'
import { createTracker } from '../src/trackerQueue.js'
import { CHANNEL, tracker } from '../src/tracker.js'

const TABLES = {
  'zh-CN': { a: { b: '余额 {n} 元' }, only: '只有中文' },
  'en-US': { a: { b: 'Balance {n} yuan' } },
}

describe('i18nCore', () => {
  it('looks dotted keys up, fills placeholders, falls back to Chinese then the key', () => {
    let locale = 'en-US'
    const { t, tMaybe } = createTranslator(() => TABLES, () => locale)
    expect(t('a.b', { n: 3 })).toBe('Balance 3 yuan')
    expect(t('only')).toBe('只有中文')
    expect(t('nope.key')).toBe('nope.key')
    expect(tMaybe('nope.key')).toBeUndefined()
    locale = 'zh-CN'
    expect(t('a.b', { n: 3 })).toBe('余额 3 元')
    expect(lookup(TABLES['zh-CN'], 'a')).toBeUndefined() // an object is not a message
    expect(interpolate('{x} {y}', { x: 1 })).toBe('1 {y}')
  })
})

describe('errors', () => {
  it('speaks the language its source says when not told', () => {
    const err = new ApiError({ code: 'PIN_LOCKED', status: 423, message: 'PIN locked.', messageZh: '交易密码已锁定。' })
    let zh = false
    setLanguageSource(() => zh)
    expect(errorText(err)).toBe('PIN locked.')
    zh = true
    expect(errorText(err)).toBe('交易密码已锁定。')
    expect(errorText(new ApiError({ code: 'WECHAT_CODE_INVALID', status: 401 }), false)).toBe('Please log in again.')
  })
})

describe('trackerQueue', () => {
  it('puts the channel on every event, whatever the caller sends', async () => {
    const fetchImpl = vi.fn(async () => ({ ok: true, status: 202 }))
    const q = createTracker({ fetchImpl, baseProps: { channel: 'WX' }, getDeviceId: () => 'wx-1', doc: null })
    q.track('page_view', { path: '/pages/home/index', channel: 'spoofed' })
    q.track('login_succeeded')
    expect(q.queue.map((e) => e.props)).toEqual([
      { path: '/pages/home/index', channel: 'WX' },
      { channel: 'WX' },
    ])
    await q.flush()
    expect(JSON.parse(fetchImpl.mock.calls[0][1].body).device_id).toBe('wx-1')
  })

  it('the H5 app tracks as channel H5', () => {
    expect(CHANNEL).toBe('H5')
    tracker.track('page_view', { path: '/m/' })
    expect(tracker.queue.at(-1).props).toEqual({ path: '/m/', channel: 'H5' })
    tracker.stop()
  })
})

describe('globalScope and ids', () => {
  it('finds the browser global and uses its CSPRNG for keys', async () => {
    const { globalScope } = await import('../src/globalScope.js')
    const { uuid, randomInt } = await import('../src/ids.js')
    expect(globalScope()).toBe(globalThis)
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues')
    expect(randomInt(10)).toBeGreaterThanOrEqual(0)
    expect(spy).toHaveBeenCalled()
    spy.mockRestore()
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
