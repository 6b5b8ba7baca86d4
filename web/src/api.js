// fetch wrapper for the opendeposit APIs: bearer token, JSON in and out, every failure turned into
// an ApiError {code, message, status}; a 401 on an authenticated call clears the token and hands
// over to the app (which sends the user to the login page). One client per API audience.
import { CHANNEL, CHANNEL_HEADER } from './channel.js'
import { ApiError, errorFromResponse } from './errors.js'

export { ApiError, errorFromResponse } from './errors.js'

export const API_PREFIX = '/api/v1'
const TIMEOUT_MS = 20000

function storageOf(kind) {
  try {
    return kind === 'session' ? globalThis.sessionStorage : globalThis.localStorage
  } catch {
    return null // storage disabled (private mode, sandboxed frame)
  }
}

/** A path is absolute when it names its own API root; else it is relative to the prefix. */
function isAbsolute(path) {
  return path.startsWith('/api/') || path.startsWith('/sandbox') || path.startsWith('/admin/')
}

function buildUrl(prefix, path, query) {
  const url = isAbsolute(path) ? path : prefix + path
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

const ACCEPT = { blob: '*/*', text: 'text/plain, text/csv, */*', json: 'application/json' }

/**
 * One API client: its path prefix and where its bearer token lives. The H5 app uses the default
 * client below (/api/v1, localStorage `od_token`); the admin console makes its own
 * (/admin/api/v1, a staff token in sessionStorage), so a customer and a staff session in the same
 * browser never mix.
 */
export function createClient({ prefix = API_PREFIX, tokenKey = 'od_token', storage = 'local', channel = '' } = {}) {
  let onUnauthorized = () => {}
  const tokenListeners = new Set()
  const errorListeners = new Set()
  let memoryToken = ''

  /** The app decides what a 401 means for the page (usually: go to the login page). */
  function setUnauthorizedHandler(fn) {
    onUnauthorized = typeof fn === 'function' ? fn : () => {}
  }

  function getToken() {
    const store = storageOf(storage)
    try {
      return (store ? store.getItem(tokenKey) : memoryToken) || ''
    } catch {
      return memoryToken
    }
  }

  function setToken(token) {
    memoryToken = token || ''
    const store = storageOf(storage)
    try {
      if (store && token) store.setItem(tokenKey, token)
      else if (store) store.removeItem(tokenKey)
    } catch {
      // storage disabled: the session lasts as long as the page
    }
    for (const fn of tokenListeners) fn(token || '')
  }

  function onTokenChange(fn) {
    tokenListeners.add(fn)
    return () => tokenListeners.delete(fn)
  }

  /** Every error answer the server gives, before the caller sees it (e.g. "change password"). */
  function onErrorResponse(fn) {
    errorListeners.add(fn)
    return () => errorListeners.delete(fn)
  }

  /**
   * request(method, path, {body, query, form, auth, responseType, timeout, headers}) → data.
   * `path` is relative to the prefix unless it starts with /api/, /admin/ or /sandbox.
   * `auth`: true (default) sends the token if there is one; a 401 then ends the session.
   * `responseType`: 'json' (default), 'blob' (PDF downloads) or 'text' (CSV).
   */
  async function request(method, path, opts = {}) {
    const { body, query, form, auth = true, responseType = 'json', timeout = TIMEOUT_MS } = opts
    const headers = { Accept: ACCEPT[responseType] || ACCEPT.json, ...(opts.headers || {}) }
    if (channel) headers[CHANNEL_HEADER] = channel // the channel of the movement's serial
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
      res = await fetch(buildUrl(prefix, path, query), {
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
    if (res.ok && responseType === 'text') return res.text()
    const data = await readBody(res)
    if (res.ok) {
      if (data === undefined || (typeof data === 'string' && data && responseType === 'json')) {
        throw new ApiError({ code: 'BAD_RESPONSE', status: res.status })
      }
      return data
    }
    const error = errorFromResponse(res.status, data)
    for (const fn of errorListeners) {
      try {
        fn(error)
      } catch {
        // a listener must not hide the original error
      }
    }
    if (res.status === 401 && token) {
      setToken('')
      try {
        onUnauthorized(error)
      } catch {
        // the handler must not hide the original error
      }
    }
    throw error
  }

  const api = {
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    put: (path, body, opts) => request('PUT', path, { ...opts, body }),
    delete: (path, opts) => request('DELETE', path, opts),
    upload: (path, form, opts) => request('POST', path, { ...opts, form }),
  }

  return {
    api,
    request,
    getToken,
    setToken,
    clearToken: () => setToken(''),
    onTokenChange,
    onErrorResponse,
    setUnauthorizedHandler,
  }
}

// The customer's client (the H5 app and the mini-program's web view), channel H5.
const customerClient = createClient({ channel: CHANNEL })
export const {
  api,
  request,
  getToken,
  setToken,
  clearToken,
  onTokenChange,
  setUnauthorizedHandler,
} = customerClient

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
