// Display helpers for API values, in the page's language.
import { t, tMaybe, isZh } from '@shared/i18n.js'
import { amountError, displayAmount, toFen } from '@shared/money.js'

export function termText(months) {
  const m = Number(months)
  if (!Number.isFinite(m) || m <= 0) return '—'
  if (m % 12 === 0) return t(m === 12 ? 'term.year' : 'term.years', { n: m / 12 })
  return t(m === 1 ? 'term.month' : 'term.months', { n: m })
}

/** "2025-06-01T02:23:00Z" → "2025-06-01 10:23" in Beijing time (the bank's clock), without
 * Intl (the mini-program's JavaScript may lack time zones): UTC+8 all year, no daylight time. */
export function dateTimeText(value) {
  if (!value) return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  return new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ')
}

export function dateText(value) {
  if (!value) return '—'
  return String(value).slice(0, 10)
}

/** Label for an API enum value (`group.value`), else the value itself, humanised. */
export function enumText(group, value) {
  if (value === null || value === undefined || value === '') return '—'
  return tMaybe(`${group}.${value}`) ?? String(value).replace(/_/g, ' ')
}

/** A sentence for an amount-validation code from money.js. */
export function amountErrorText(code) {
  return code ? t(`amount.errors.${code}`) : ''
}

/** The validation message for typed text, or '' when it is a valid positive amount. */
export function validateAmountText(text) {
  return amountErrorText(amountError(text))
}

/**
 * Where space is tight (three facts side by side): whole yuan without ".00", and large amounts
 * in 万/亿 (zh) or K/M (en), truncated, never rounded up: "100000000.00" → "1亿" / "100M".
 */
export function shortAmount(value) {
  const fen = toFen(value)
  if (fen === null) return '—'
  const yuan = Math.floor(Math.abs(fen) / 100)
  const sign = fen < 0 ? '-' : ''
  const scaled = (unit, suffix) => {
    const whole = Math.floor(yuan / unit)
    const hundredths = Math.floor(((yuan % unit) * 100) / unit)
    const frac = hundredths ? `.${String(hundredths).padStart(2, '0')}`.replace(/0$/, '') : ''
    return `${sign}${whole.toLocaleString('en-US')}${frac}${suffix}`
  }
  if (isZh()) {
    if (yuan >= 1e8) return scaled(1e8, '亿')
    if (yuan >= 1e6) return scaled(1e4, '万')
  } else if (yuan >= 1e6) {
    return scaled(1e6, 'M')
  }
  return displayAmount(value).replace(/\.00$/, '')
}

export function yesNo(value) {
  return value ? t('common.yes') : t('common.no')
}

export function joinName(zh, en) {
  return isZh() ? zh || en : en || zh
}

/** A product's (or holding's) name in the page's language. */
export function productName(p) {
  if (!p) return ''
  return joinName(p.name || p.product_name, p.name_en || p.product_name_en) || p.code || p.product_code || ''
}

/** The deposit-insurance statement in the page's language (the API sends both). */
export function insuredStatement(p) {
  if (!p) return ''
  return joinName(p.insured_statement, p.insured_statement_en)
}
