import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, getToken, listOf, nextCursorOf, setToken, setUnauthorizedHandler } from '../src/api.js'
import { ApiError, errorText } from '../src/errors.js'

function jsonResponse(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

describe('api', () => {
  beforeEach(() => {
    localStorage.clear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setUnauthorizedHandler(null)
  })

  it('prefixes /api/v1, sends JSON and the bearer token', async () => {
    setToken('tok')
    const fetchMock = vi.fn(async () => jsonResponse(200, { ok: 1 }))
    vi.stubGlobal('fetch', fetchMock)
    const data = await api.post('/account/top-up', { amount: '1.00' })
    expect(data).toEqual({ ok: 1 })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/account/top-up')
    expect(init.headers.Authorization).toBe('Bearer tok')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ amount: '1.00' })
  })

  it('adds query parameters and skips empty ones', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, []))
    vi.stubGlobal('fetch', fetchMock)
    await api.get('/account/transactions', { query: { cursor: null, from: '2026-01-01' } })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/account/transactions?from=2026-01-01')
  })

  it('normalises the error envelope to ApiError', async () => {
    vi.stubGlobal('fetch', vi.fn(async () =>
      jsonResponse(422, { error: { code: 'PIN_LOCKED', message: 'PIN locked.', message_zh: '交易密码已锁定。' } }),
    ))
    const err = await api.get('/account').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('PIN_LOCKED')
    expect(err.status).toBe(422)
    expect(err.message).toBe('PIN locked.')
    expect(errorText(err, true)).toBe('交易密码已锁定。')
    expect(errorText(err, false)).toBe('PIN locked.')
  })

  it('turns a network failure into NETWORK_ERROR with a readable sentence', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    }))
    const err = await api.get('/products').catch((e) => e)
    expect(err.code).toBe('NETWORK_ERROR')
    expect(err.status).toBe(0)
    expect(err.uncertain).toBe(true)
    expect(errorText(err, true)).toContain('网络')
    expect(errorText(err, false)).toContain('Network')
  })

  it('explains a bare 502 HTML page', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })))
    const err = await api.get('/products').catch((e) => e)
    expect(err.code).toBe('SERVER_ERROR')
    expect(errorText(err, true)).toBe('系统繁忙，请稍后再试。')
  })

  it('on 401 clears the token and calls the handler', async () => {
    setToken('old')
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'UNAUTHORIZED', message: 'Log in', message_zh: '请登录' } })))
    const err = await api.get('/account').catch((e) => e)
    expect(err.status).toBe(401)
    expect(getToken()).toBe('')
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('reads lists and cursors from bare arrays or envelopes', () => {
    expect(listOf([1, 2])).toEqual([1, 2])
    expect(listOf({ items: [3] })).toEqual([3])
    expect(listOf({ products: [4] }, 'products')).toEqual([4])
    expect(listOf(null)).toEqual([])
    expect(nextCursorOf({ items: [], next_cursor: 'abc' })).toBe('abc')
    expect(nextCursorOf({ items: [], next_cursor: '' })).toBeNull()
    expect(nextCursorOf([])).toBeNull()
  })
})
