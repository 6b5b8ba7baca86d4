// The staff API client: its own prefix and token, kept apart from the customer's.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { client, isMissingRoute } from '../../admin/src/client.js'
import * as customer from '../../src/api.js'
import { ApiError } from '../../src/errors.js'

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('admin client', () => {
  beforeEach(() => {
    localStorage.clear()
    sessionStorage.clear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    client.setUnauthorizedHandler(null)
  })

  it('prefixes /admin/api/v1 and sends the staff token, not the customer token', async () => {
    customer.setToken('customer-token')
    client.setToken('staff-token')
    const fetchMock = vi.fn(async () => json(200, { items: [] }))
    vi.stubGlobal('fetch', fetchMock)
    await client.api.get('/customers', { query: { q: '1380' } })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/admin/api/v1/customers?q=1380')
    expect(init.headers.Authorization).toBe('Bearer staff-token')
    expect(sessionStorage.getItem('od_staff_token')).toBe('staff-token')
    expect(localStorage.getItem('od_staff_token')).toBeNull()
    expect(localStorage.getItem('od_token')).toBe('customer-token')
  })

  it('leaves absolute admin paths alone (evidence image URLs from the server)', async () => {
    const fetchMock = vi.fn(async () => new Response(new Blob(['x'], { type: 'image/png' }), { status: 200 }))
    vi.stubGlobal('fetch', fetchMock)
    await client.request('GET', '/admin/api/v1/onboarding/reviews/3/evidence/9/image', { responseType: 'blob' })
    expect(fetchMock.mock.calls[0][0]).toBe('/admin/api/v1/onboarding/reviews/3/evidence/9/image')
  })

  it('a 401 ends the staff session only and calls the handler', async () => {
    customer.setToken('customer-token')
    client.setToken('staff-token')
    const handler = vi.fn()
    client.setUnauthorizedHandler(handler)
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { error: { code: 'UNAUTHORIZED', message: 'Log in.', message_zh: '请登录。' } })))
    const err = await client.api.get('/business-date').catch((e) => e)
    expect(err.code).toBe('UNAUTHORIZED')
    expect(handler).toHaveBeenCalledOnce()
    expect(client.getToken()).toBe('')
    expect(customer.getToken()).toBe('customer-token')
  })

  it('tells listeners about every error answer before the caller sees it', async () => {
    const seen = []
    const off = client.onErrorResponse((e) => seen.push(e.code))
    vi.stubGlobal('fetch', vi.fn(async () => json(403, { error: { code: 'PASSWORD_CHANGE_REQUIRED', message: 'x', message_zh: 'y' } })))
    await client.api.get('/customers').catch(() => {})
    off()
    await client.api.get('/customers').catch(() => {})
    expect(seen).toEqual(['PASSWORD_CHANGE_REQUIRED'])
  })

  it('reads CSV as text with the Accept header asked for', async () => {
    const fetchMock = vi.fn(async () => new Response('a,b\r\n1,2\r\n', { status: 200, headers: { 'content-type': 'text/csv' } }))
    vi.stubGlobal('fetch', fetchMock)
    const text = await client.request('GET', '/reports/large-value', { query: { date: '2026-03-02' }, responseType: 'text', headers: { Accept: 'text/csv' } })
    expect(text).toBe('a,b\r\n1,2\r\n')
    expect(fetchMock.mock.calls[0][1].headers.Accept).toBe('text/csv')
  })

  it('knows a route the server does not have from a record that is not there', () => {
    expect(isMissingRoute(new ApiError({ code: 'NOT_FOUND', status: 404 }))).toBe(true)
    expect(isMissingRoute(new ApiError({ code: 'CUSTOMER_NOT_FOUND', status: 404 }))).toBe(false)
    expect(isMissingRoute(new ApiError({ code: 'NOT_FOUND', status: 403 }))).toBe(false)
  })
})
