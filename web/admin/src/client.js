// The staff API client: /admin/api/v1 with the staff token in sessionStorage (it ends with the
// tab; the server also ends idle sessions). Kept apart from the customer's token on purpose.
import { createClient, listOf } from '@shared/api.js'

export const ADMIN_PREFIX = '/admin/api/v1'

export const client = createClient({ prefix: ADMIN_PREFIX, tokenKey: 'od_staff_token', storage: 'session' })
export const { api, request, getToken, setToken, clearToken, onTokenChange, onErrorResponse, setUnauthorizedHandler } =
  client
export { listOf }

/** The route is not on this server (yet): a 404 with no error code of the application's own. */
export function isMissingRoute(err) {
  return Boolean(err && err.status === 404 && (err.code === 'NOT_FOUND' || err.code === 'ROUTE_NOT_FOUND'))
}
