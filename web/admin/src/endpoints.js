// Every admin route the console calls, one small function each (paths and fields from
// docs/api.md "Admin API"; the server's OpenAPI at /openapi.json is the reference). Pages call
// these, never fetch: one place to read what the console depends on.
import { api, request } from './client.js'

const enc = encodeURIComponent

export const auth = {
  login: ({ username, password, otp }) => api.post('/auth/login', otp ? { username, password, otp } : { username, password }, { auth: false }),
  changePassword: ({ password, newPassword }) => api.post('/auth/password', { password, new_password: newPassword }),
  confirmMfa: (otp) => api.post('/auth/mfa/confirm', { otp }),
  startMfa: () => api.post('/auth/mfa/enrol', {}),
  me: () => api.get('/auth/me'),
  logout: () => api.post('/auth/logout', {}),
}

export const staff = {
  list: (query) => api.get('/staff', { query }),
  create: ({ username, roles, displayName }) => api.post('/staff', { username, roles, ...(displayName ? { display_name: displayName } : {}) }),
  update: (id, { roles, disabled }) => api.put(`/staff/${enc(id)}`, { roles, disabled }),
  resetPassword: (id) => api.post(`/staff/${enc(id)}/reset-password`, {}),
  resetMfa: (id) => api.post(`/staff/${enc(id)}/reset-mfa`, {}),
}

export const customers = {
  search: (q, query = {}) => api.get('/customers', { query: { q, ...query } }),
  get: (id) => api.get(`/customers/${enc(id)}`),
  reveal: (id, field, reason) => api.post(`/customers/${enc(id)}/reveal`, { field, reason }),
  statement: (id, query) => api.get(`/customers/${enc(id)}/statement`, { query }),
  /** An onboarding evidence image of the customer: the reason is audited, so it is asked each time. */
  evidenceImage: (id, evidenceId, reason) => request('GET', `/customers/${enc(id)}/evidence/${enc(evidenceId)}/image`, { query: { reason }, responseType: 'blob' }),
}

export const accounts = {
  setStatus: (accountNo, status, reason) => api.post(`/accounts/${enc(accountNo)}/status`, { status, reason }),
  close: (accountNo, reason) => api.post(`/accounts/${enc(accountNo)}/close`, { reason }),
  pinUnlock: (accountNo, reason) => api.post(`/accounts/${enc(accountNo)}/pin-unlock`, { reason }),
}

export const receipts = {
  search: (query) => api.get('/receipts', { query }),
  get: (no) => api.get(`/receipts/${enc(no)}`),
  pdf: (no) => request('GET', `/receipts/${enc(no)}/pdf`, { responseType: 'blob' }),
  reissue: (no, reason) => api.post(`/receipts/${enc(no)}/reissue`, { reason }),
}

export const products = {
  list: () => api.get('/products'),
  get: (code) => api.get(`/products/${enc(code)}`),
  create: (body) => api.post('/products', body),
  edit: (code, body) => api.put(`/products/${enc(code)}`, body),
  submit: (code) => api.post(`/products/${enc(code)}/submit`, {}),
  approve: (code) => api.post(`/products/${enc(code)}/approve`, {}),
  reject: (code, reason) => api.post(`/products/${enc(code)}/reject`, { reason }),
  suspend: (code, reason) => api.post(`/products/${enc(code)}/suspend`, { reason }),
}

export const rates = {
  /** The dated table: every row in force, planned or superseded. */
  list: () => api.get('/rates'),
  /** Proposals waiting for (or given) a second approver. */
  changes: (status) => api.get('/rates/changes', { query: { status } }),
  propose: (body) => api.post('/rates', body),
  approve: (id, note = '') => api.post(`/rates/changes/${enc(id)}/approve`, { note }),
  reject: (id, reason) => api.post(`/rates/changes/${enc(id)}/reject`, { reason }),
}

export const day = {
  businessDate: () => api.get('/business-date'),
  batches: (query) => api.get('/batches', { query }),
  failures: (businessDate) => api.get(`/batches/${enc(businessDate)}/failures`),
  runEod: () => api.post('/batches/eod', {}, { timeout: 120000 }),
}

export const reviews = {
  list: (query) => api.get('/onboarding/reviews', { query }),
  get: (id) => api.get(`/onboarding/reviews/${enc(id)}`),
  /** Evidence images need the staff token, so they come as blobs, not <img src>. */
  image: (url) => request('GET', url, { responseType: 'blob' }),
  approve: (id, note = '') => api.post(`/onboarding/reviews/${enc(id)}/approve`, { note }),
  escalate: (id, note = '') => api.post(`/onboarding/reviews/${enc(id)}/escalate`, { note }),
  reject: (id, reason) => api.post(`/onboarding/reviews/${enc(id)}/reject`, { reason }),
}

export const esb = {
  messages: (query) => api.get('/esb/messages', { query }),
  message: (id) => api.get(`/esb/messages/${enc(id)}`),
  retry: (id) => api.post(`/esb/messages/${enc(id)}/retry`, {}),
}

export const risk = {
  alerts: (query) => api.get('/risk/alerts', { query }),
  decide: (id, decision, reason) => api.post(`/risk/alerts/${enc(id)}/decision`, { decision, reason }),
  rules: () => api.get('/risk/rules'),
  updateRule: (code, body) => api.put(`/risk/rules/${enc(code)}`, body),
  listSummary: (list) => api.get(`/risk/lists/${enc(list)}`),
  importList: (list, file, mode = 'add') => {
    const form = new FormData()
    form.append('file', file)
    return api.upload(`/risk/lists/${enc(list)}`, form, { query: { mode } })
  },
  holds: (query) => api.get('/holds', { query }),
  releaseHold: (id, reason) => api.post(`/holds/${enc(id)}/release`, { reason }),
  returnHold: (id, reason) => api.post(`/holds/${enc(id)}/return`, { reason }),
  largeValue: (date) => api.get('/reports/large-value', { query: { date } }),
  largeValueCsv: (date) => request('GET', '/reports/large-value', { query: { date }, responseType: 'text', headers: { Accept: 'text/csv' } }),
}

export const analytics = {
  funnel: (from, to) => api.get('/analytics/funnel', { query: { from, to } }),
  kpis: (from, to) => api.get('/analytics/kpis', { query: { from, to } }),
  daily: (from, to) => api.get('/analytics/daily', { query: { from, to } }),
  productSales: (from, to) => api.get('/analytics/products', { query: { from, to } }),
  /** The server's own CSV of a dashboard table (funnel, daily, products). */
  csv: (table, from, to) => request('GET', `/analytics/${enc(table)}`, { query: { from, to, format: 'csv' }, responseType: 'text', headers: { Accept: 'text/csv' } }),
}

export const audit = {
  list: (query) => api.get('/audit', { query }),
  verify: () => api.get('/audit/verify', { timeout: 120000 }),
}
