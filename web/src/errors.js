// The error every API call rejects with, and how it reads as a sentence in the page's language.
// Plain JS without imports: the H5 app and the mini-program use this same file.

let languageIsZh = () => true // the bank's customers read Chinese first

/** Where `errorText` learns the page's language when it is not told (i18n.js sets it). */
export function setLanguageSource(fn) {
  if (typeof fn === 'function') languageIsZh = fn
}

export class ApiError extends Error {
  /**
   * @param {object} o
   * @param {string} o.code     stable UPPER_SNAKE code from the server, or a client one below
   * @param {number} o.status   HTTP status; 0 when there was no response at all
   * @param {string} [o.message]    English message from the server
   * @param {string} [o.messageZh]  Chinese message from the server
   */
  constructor({ code, status, message, messageZh, details }) {
    super(message || code)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.messageEn = message || ''
    this.messageZh = messageZh || ''
    this.details = details
  }

  /** True when the request may or may not have reached the server (retry with the same key). */
  get uncertain() {
    return (
      this.status === 0 ||
      this.status >= 500 ||
      this.code === 'TIMEOUT' ||
      this.code === 'IDEMPOTENCY_IN_PROGRESS' // the first try is still running on the server
    )
  }
}

// For failures the server did not describe (no response, HTML error page, bare status codes).
export const FALLBACK = {
  NETWORK_ERROR: ['网络连接失败，请检查网络后重试。', 'Network error. Check your connection and try again.'],
  TIMEOUT: ['请求超时，请稍后重试。', 'The request timed out. Please try again.'],
  SERVER_ERROR: ['系统繁忙，请稍后再试。', 'The service is busy. Please try again later.'],
  BAD_RESPONSE: ['服务返回了无法识别的内容，请稍后再试。', 'The service sent an unexpected answer. Please try again later.'],
  UNAUTHORIZED: ['登录已失效，请重新登录。', 'Please log in again.'],
  FORBIDDEN: ['无权执行此操作。', 'You are not allowed to do this.'],
  NOT_FOUND: ['记录不存在。', 'Not found.'],
  CONFLICT: ['请求与当前状态冲突，请刷新后重试。', 'The request conflicts with the current state. Refresh and try again.'],
  RATE_LIMITED: ['操作过于频繁，请稍后再试。', 'Too many requests. Please wait a moment.'],
  VALIDATION_FAILED: ['请求参数不正确。', 'The request is not valid.'],
  UNKNOWN: ['操作失败，请稍后再试。', 'Something went wrong. Please try again.'],
}

const BY_STATUS = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 422: 'VALIDATION_FAILED', 429: 'RATE_LIMITED' }

/** The client code for a status the server did not explain. */
export function codeForStatus(status) {
  if (status >= 500) return 'SERVER_ERROR'
  return BY_STATUS[status] || 'UNKNOWN'
}

/** Turn a non-2xx response body into an ApiError (the server's own words when it gave them):
 * the one error mapper of both clients. */
export function errorFromResponse(status, body) {
  const e = body && typeof body === 'object' ? body.error : null
  if (e && typeof e === 'object' && e.code) {
    return new ApiError({
      code: String(e.code),
      status,
      message: e.message,
      messageZh: e.message_zh,
      details: e.details,
    })
  }
  return new ApiError({ code: codeForStatus(status), status })
}

/** A human sentence for any error in the page's language. */
export function errorText(err, zh = languageIsZh()) {
  if (!err) return ''
  if (err instanceof ApiError) {
    const server = zh ? err.messageZh : err.messageEn
    if (server) return server
    const other = zh ? err.messageEn : err.messageZh
    const fb = FALLBACK[err.code] || FALLBACK[codeForStatus(err.status)] || FALLBACK.UNKNOWN
    return (err.code in FALLBACK ? fb[zh ? 0 : 1] : other) || fb[zh ? 0 : 1]
  }
  return FALLBACK.UNKNOWN[zh ? 0 : 1]
}
