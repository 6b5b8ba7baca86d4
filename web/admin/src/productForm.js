// The product draft form: empty form, form ← product, form → API body (ProductIn), and the checks
// made before sending (the server checks again, including the rate ceiling on the business date).
import { amountError, parseAmount } from '@shared/money.js'

export const CODE_RE = /^[A-Z0-9][A-Z0-9_-]{1,31}$/
export const RATE_RE = /^(0|[1-9][0-9]?)(\.[0-9]{1,4})?$/

export function emptyProduct(today = '') {
  return {
    code: '', name: '', name_en: '', kind: 'time_deposit', term_months: 12, rate: '',
    min_amount: '50.00', step_amount: '0.01', max_per_customer: '5000000.00', total_quota: '',
    sale_start: today, sale_end: '', service_area: '', allow_partial_withdrawal: true,
    allow_rollover: true, early_withdrawal_text: '', risk_text: '',
  }
}

export function formFromProduct(p) {
  const f = emptyProduct()
  for (const k of Object.keys(f)) if (p[k] !== undefined && p[k] !== null) f[k] = p[k]
  f.service_area = Array.isArray(p.service_area) ? p.service_area.join(',') : ''
  return f
}

/** → {field: i18n key} of every problem; empty when the form may be sent. */
export function productProblems(f) {
  const out = {}
  if (!CODE_RE.test(f.code)) out.code = 'product.errors.code'
  if (!String(f.name).trim()) out.name = 'product.errors.name'
  if (!Number.isInteger(Number(f.term_months)) || f.term_months < 1 || f.term_months > 120) out.term_months = 'product.errors.term'
  if (!RATE_RE.test(String(f.rate).trim())) out.rate = 'product.errors.rate'
  for (const k of ['min_amount', 'step_amount', 'max_per_customer', 'total_quota']) {
    if (amountError(String(f[k]).trim())) out[k] = 'product.errors.amount'
  }
  if (!out.min_amount && !out.max_per_customer && parseAmount(String(f.min_amount).trim()) > parseAmount(String(f.max_per_customer).trim())) {
    out.max_per_customer = 'product.errors.maxBelowMin'
  }
  if (!f.sale_start) out.sale_start = 'product.errors.date'
  if (!f.sale_end) out.sale_end = 'product.errors.date'
  if (f.sale_start && f.sale_end && f.sale_end < f.sale_start) out.sale_end = 'product.errors.dateOrder'
  const areas = serviceArea(f.service_area)
  if (areas.some((a) => !/^\d{2,6}$/.test(a))) out.service_area = 'product.errors.area'
  return out
}

function serviceArea(text) {
  return String(text || '').split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean)
}

/** The body of POST/PUT /products (ProductIn). */
export function productBody(f) {
  const body = {
    code: f.code.trim(), name: f.name.trim(), name_en: f.name_en.trim(), kind: f.kind,
    term_months: Number(f.term_months), rate: String(f.rate).trim(),
    min_amount: String(f.min_amount).trim(), step_amount: String(f.step_amount).trim(),
    max_per_customer: String(f.max_per_customer).trim(), total_quota: String(f.total_quota).trim(),
    sale_start: f.sale_start, sale_end: f.sale_end, service_area: serviceArea(f.service_area),
    allow_partial_withdrawal: Boolean(f.allow_partial_withdrawal), allow_rollover: Boolean(f.allow_rollover),
  }
  if (String(f.early_withdrawal_text).trim()) body.early_withdrawal_text = f.early_withdrawal_text.trim()
  if (String(f.risk_text).trim()) body.risk_text = f.risk_text.trim()
  return body
}

/** What a staff member may do with a product in `status` (draft → pending → published ⇄ suspended). */
export function productActions(status) {
  return {
    draft: ['edit', 'submit'],
    pending: ['approve', 'reject'],
    published: ['suspend'],
    suspended: [],
    rejected: ['edit', 'submit'],
  }[status] || []
}
