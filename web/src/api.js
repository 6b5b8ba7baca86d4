// fetch wrapper for the opendeposit API: bearer token, JSON in and out, every failure turned into
// an ApiError {code, message, status}; a 401 on an authenticated call clears the token and hands
// over to the app (which sends the customer to the login page).
import { ApiError, errorFromResponse } from './errors.js'

export { ApiError, errorFromResponse } from './errors.js'

export const API_PREFIX = '/api/v1'
const TOKEN_KEY = 'od_token'
const TIMEOUT_MS = 20000

let onUnauthorized = () => {}
const tokenListeners = new Set()

/** The app decides what a 401 means for the page (usually: go to /login?redirect=...). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = typeof fn === 'function' ? fn : () => {}
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || ''
  } catch {
    return ''
  }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token)
    else localStorage.removeItem(TOKEN_KEY)
  } catch {
    // storage disabled: the session lasts as long as the page
  }
  for (const fn of tokenListeners) fn(token || '')
}

export function clearToken() {
  setToken('')
}

export function onTokenChange(fn) {
  tokenListeners.add(fn)
  return () => tokenListeners.delete(fn)
}

function buildUrl(path, query) {
  const url = path.startsWith('/api/') || path.startsWith('/sandbox') ? path : API_PREFIX + path
  if (!query) return url
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.append(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${url}${url.includes('?') ? '&' : '?'}${qs}` : url
}

async function readBody(res) {
  const type = res.headers.get('content-type') || ''
  if (res.status === 204) return null
  if (type.includes('json')) {
    try {
      return await res.json()
    } catch {
      return undefined
    }
  }
  try {
    return await res.text()
  } catch {
    return undefined
  }
}

/**
 * request(method, path, {body, query, form, auth, responseType, timeout}) → parsed JSON.
 * `path` is relative to /api/v1 unless it starts with /api/ or /sandbox.
 * `auth`: true (default) sends the token if there is one; a 401 then logs the customer out.
 * `responseType: 'blob'` returns a Blob (PDF downloads).
 */
export async function request(method, path, opts = {}) {
  const { body, query, form, auth = true, responseType = 'json', timeout = TIMEOUT_MS } = opts
  const headers = { Accept: responseType === 'blob' ? '*/*' : 'application/json' }
  const token = auth ? getToken() : ''
  if (token) headers.Authorization = `Bearer ${token}`
  let payload
  if (form) {
    payload = form // FormData: the browser sets the multipart boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const controller = typeof AbortController === 'function' ? new AbortController() : null
  const timer = controller ? setTimeout(() => controller.abort(), timeout) : null
  let res
  try {
    res = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: payload,
      signal: controller ? controller.signal : undefined,
      credentials: 'same-origin',
    })
  } catch (err) {
    const aborted = err && err.name === 'AbortError'
    throw new ApiError({ code: aborted ? 'TIMEOUT' : 'NETWORK_ERROR', status: 0 })
  } finally {
    if (timer) clearTimeout(timer)
  }
  if (res.ok && responseType === 'blob') return res.blob()
  const data = await readBody(res)
  if (res.ok) {
    if (data === undefined || (typeof data === 'string' && data && responseType === 'json')) {
      throw new ApiError({ code: 'BAD_RESPONSE', status: res.status })
    }
    return data
  }
  const error = errorFromResponse(res.status, data)
  if (res.status === 401 && token) {
    clearToken()
    try {
      onUnauthorized(error)
    } catch {
      // the handler must not hide the original error
    }
  }
  throw error
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  upload: (path, form, opts) => request('POST', path, { ...opts, form }),
}

/** A list from an endpoint that may answer with a bare array or an envelope {items: [...]}. */
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data
  if (!data || typeof data !== 'object') return []
  for (const k of [...keys, 'items', 'data', 'results']) {
    if (Array.isArray(data[k])) return data[k]
  }
  return []
}

/** The cursor for the next page of a paged list, or null at the end. */
export function nextCursorOf(data) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null
  const c = data.next_cursor ?? data.nextCursor ?? data.cursor_next ?? null
  return c === '' ? null : c
}
