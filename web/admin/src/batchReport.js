// An EOD run's day report as staff read it: one line per step, its figures as "name value" pairs
// (nested ones flattened: purchases.count), money figures — integer fen in the report — in yuan.
import { formatGrouped } from '@shared/money.js'
import { tMaybe } from '@shared/i18n.js'

const MONEY = /(amount|principal|interest|total|balance)$/

function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]]
  const entries = Object.entries(value)
  if (!entries.length) return []
  return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k))
}

function shown(key, v) {
  if (typeof v === 'number' && Number.isSafeInteger(v) && MONEY.test(key)) return `¥${formatGrouped(v)}`
  if (typeof v === 'boolean') return tMaybe(v ? 'common.yes' : 'common.no') ?? String(v)
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—'
  return v === null || v === undefined || v === '' ? '—' : String(v)
}

/** report {step: figures} → [{step, figures: [{name, value}]}] in the report's order. */
export function reportLines(report) {
  if (!report || typeof report !== 'object') return []
  return Object.entries(report).map(([step, figures]) => ({
    step,
    figures: flatten(figures).filter(([name]) => name !== '').map(([name, v]) => ({ name, value: shown(name, v) })),
  }))
}
