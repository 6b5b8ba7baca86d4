// Display helpers for tables: money from the API's decimal strings (through the shared integer-fen
// module, never a float), rates, Beijing times, and labels of API enum values.
import { toFen, formatGrouped } from '@shared/money.js'
import { tMaybe } from '@shared/i18n.js'

const DASH = '—'

/** "1234567.80" → "1,234,567.80"; a signed amount keeps its sign; missing → "—". */
export function money(value) {
  const fen = toFen(value)
  return fen === null ? DASH : formatGrouped(fen)
}

/** "1.75" → "1.75%". */
export function rate(value) {
  if (value === null || value === undefined || value === '') return DASH
  return `${value}%`
}

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

/** An ISO timestamp → "2026-03-02 14:05:09" in Beijing time (the bank's clock), else "—". */
export function dateTime(value) {
  if (!value) return DASH
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const parts = Object.fromEntries(BEIJING.formatToParts(d).map((p) => [p.type, p.value]))
  const hour = parts.hour === '24' ? '00' : parts.hour
  return `${parts.year}-${parts.month}-${parts.day} ${hour}:${parts.minute}:${parts.second}`
}

/** A date or "—". */
export function day(value) {
  return value ? String(value).slice(0, 10) : DASH
}

/** The label of an API enum value in the page's language, or the value itself. */
export function label(group, value) {
  if (value === null || value === undefined || value === '') return DASH
  return tMaybe(`enum.${group}.${String(value).replace(/\./g, '_')}`) ?? String(value)
}

/** Element Plus tag colour for a status. */
export function statusType(value) {
  const v = String(value || '')
  if (['normal', 'published', 'approved', 'opened', 'done', 'ok', 'succeeded', 'active', 'genuine', 'in_force', 'released', 'dismissed', 'set', 'issued', 'cleared'].includes(v)) return 'success'
  if (['frozen', 'rejected', 'dead', 'failed', 'blocked', 'closed', 'suspended', 'disabled', 'locked', 'returned'].includes(v)) return 'danger'
  if (['pending', 'second_approval', 'escalated', 'retrying', 'running', 'review', 'receive_only', 'non_counter_suspended', 'dormant', 'held', 'open', 'draft', 'superseded', 'planned', 'signing', 'reset_required'].includes(v)) return 'warning'
  return 'info'
}

/** First present value among keys (server fields whose exact name another branch decides). */
export function pick(obj, ...keys) {
  if (!obj || typeof obj !== 'object') return undefined
  for (const k of keys) {
    if (obj[k] !== undefined && obj[k] !== null && obj[k] !== '') return obj[k]
  }
  return undefined
}

/** Today's date as YYYY-MM-DD in Beijing time, and n days before. */
export function beijingDate(offsetDays = 0, now = new Date()) {
  const d = new Date(now.getTime() + offsetDays * 86400000)
  const parts = Object.fromEntries(BEIJING.formatToParts(d).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}
