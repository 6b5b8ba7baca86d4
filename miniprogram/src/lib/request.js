// The request layer: the API base from config.js, JSON in and out, the bearer token, and every
// failure as an ApiError through the one error mapper the H5 app uses (shared/errors.js).
//
// Token expiry: a token about to expire is renewed before the call, and a 401 on an
// authenticated call is renewed once and the call repeated (a 401 means the server did
// nothing). Renewal is a silent WeChat login (lib/auth.js); when it cannot give a token
// (a new WeChat user, WeChat down) the session ends and the app sends the customer to login.
const config = require('../config.js')
const session = require('./session.js')
const { ApiError, errorFromResponse } = require('../shared/errors.js')
const { encode } = require('./multipart.js')
const { CHANNEL, CHANNEL_HEADER } = require('./channel.js')

const API_PREFIX = '/api/v1'

let renewSession = null // () => Promise<boolean>, set by lib/auth.js
let onUnauthorized = () => {}
let renewing = null

function setSessionRenewer(fn) {
  renewSession = typeof fn === 'function' ? fn : null
}

function setUnauthorizedHandler(fn) {
  onUnauthorized = typeof fn === 'function' ? fn : () => {}
}

function buildUrl(path, query) {
  const rel = path.startsWith('/api/') || path.startsWith('/sandbox') ? path : API_PREFIX + path
  let url = config.apiBase.replace(/\/$/, '') + rel
  if (query) {
    const qs = Object.keys(query)
      .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`)
      .join('&')
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  return url
}

/** One renewal at a time; true when a new token is stored. */
function renewOnce() {
  if (!renewSession) return Promise.resolve(false)
  if (!renewing) {
    renewing = Promise.resolve()
      .then(() => renewSession())
      .then((ok) => Boolean(ok), () => false)
      .then((ok) => {
        renewing = null
        return ok
      })
  }
  return renewing
}

function send({ method, url, data, header, timeout }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header,
      timeout,
      dataType: 'json',
      success: resolve,
      fail(err) {
        const timedOut = /timeout/i.test((err && err.errMsg) || '')
        reject(new ApiError({ code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', status: 0 }))
      },
    })
  })
}

/**
 * request(method, path, {body, query, auth, raw, contentType, timeout}) → the parsed answer.
 * `path` is relative to /api/v1 unless it starts with /api/ or /sandbox. `auth` (default true)
 * sends the token when there is one.
 */
async function request(method, path, opts = {}) {
  const { body, query, auth = true, contentType, timeout = config.requestTimeoutMs } = opts
  if (auth && session.tokenExpiring()) await renewOnce()
  const token = auth ? session.getToken() : ''
  const header = { Accept: 'application/json', [CHANNEL_HEADER]: CHANNEL }
  if (token) header.Authorization = `Bearer ${token}`
  if (body !== undefined) header['Content-Type'] = contentType || 'application/json'
  const res = await send({ method, url: buildUrl(path, query), data: body, header, timeout })
  const status = res.statusCode
  if (status >= 200 && status < 300) {
    if (status === 204) return null
    if (typeof res.data === 'string' && res.data) throw new ApiError({ code: 'BAD_RESPONSE', status })
    return res.data
  }
  const error = errorFromResponse(status, res.data)
  if (status === 401 && token) {
    if (opts.retried !== true && (await renewOnce())) {
      return request(method, path, { ...opts, retried: true })
    }
    session.clearToken()
    try {
      onUnauthorized(error)
    } catch (e) {
      // the handler must not hide the original error
    }
  }
  throw error
}

/**
 * POST multipart/form-data: `files` [{name, filePath | data (ArrayBuffer already read),
 * filename?, contentType?}] + `fields`.
 */
function upload(path, { files = [], fields = {} } = {}, opts = {}) {
  const fsm = wx.getFileSystemManager()
  const parts = Object.keys(fields)
    .filter((k) => fields[k] !== undefined && fields[k] !== null)
    .map((k) => ({ name: k, value: String(fields[k]) }))
  for (const f of files) {
    parts.push({
      name: f.name,
      filename: f.filename || `${f.name}.jpg`,
      contentType: f.contentType || 'image/jpeg',
      data: f.data !== undefined ? f.data : fsm.readFileSync(f.filePath),
    })
  }
  const { body, contentType } = encode(parts)
  return request('POST', path, { ...opts, body, contentType })
}

/** Download with the bearer token (a receipt PDF) → the temporary file path. */
function download(path, opts = {}) {
  const token = session.getToken()
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: buildUrl(path, opts.query),
      header: token ? { Authorization: `Bearer ${token}`, [CHANNEL_HEADER]: CHANNEL } : { [CHANNEL_HEADER]: CHANNEL },
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.tempFilePath)
        else reject(errorFromResponse(res.statusCode, null))
      },
      fail() {
        reject(new ApiError({ code: 'NETWORK_ERROR', status: 0 }))
      },
    })
  })
}

const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  upload,
  download,
}

/** A list from an answer that is a bare array or {items: [...]}. */
function listOf(data, ...keys) {
  if (Array.isArray(data)) return data
  if (!data || typeof data !== 'object') return []
  for (const k of [...keys, 'items']) if (Array.isArray(data[k])) return data[k]
  return []
}

module.exports = {
  api,
  request,
  buildUrl,
  listOf,
  setSessionRenewer,
  setUnauthorizedHandler,
  API_PREFIX,
}
