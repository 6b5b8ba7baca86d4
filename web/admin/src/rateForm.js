// Checks of a proposed rate change before it is sent (the server checks again): percent strings,
// the board rate not above its ceiling, and no backdating (effective date ≥ the business date).
import { RATE_RE } from './productForm.js'

/** "1.75" → 17500 (ten-thousandths of a percent), exact; null if not a rate string. */
export function rateUnits(text) {
  const s = String(text ?? '').trim()
  if (!RATE_RE.test(s)) return null
  const [whole, frac = ''] = s.split('.')
  return Number(whole) * 10000 + Number(frac.padEnd(4, '0'))
}

/** → {field: i18n key}; empty when the change may be proposed. */
export function rateProblems(f, businessDate) {
  const out = {}
  const board = rateUnits(f.board_rate)
  const ceiling = rateUnits(f.ceiling)
  if (board === null) out.board_rate = 'rates.errors.rate'
  if (ceiling === null) out.ceiling = 'rates.errors.rate'
  if (board !== null && ceiling !== null && board > ceiling) out.board_rate = 'rates.errors.aboveCeiling'
  if (f.kind !== 'demand' && (!Number.isInteger(Number(f.term_months)) || f.term_months < 1 || f.term_months > 120)) out.term_months = 'rates.errors.term'
  if (!f.effective_from) out.effective_from = 'rates.errors.date'
  else if (businessDate && f.effective_from < businessDate) out.effective_from = 'rates.errors.backdated'
  return out
}
