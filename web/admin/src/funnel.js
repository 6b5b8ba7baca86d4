// The account-opening funnel as the dashboard shows it: for each step the count, the conversion
// from the step before, the drop-off (how many left between the two steps) and the conversion from
// the first step. Uses the server's figures when it sends them, computes them from counts if not.

const STEP_COUNT_KEYS = ['count', 'devices', 'users', 'customers', 'value']

function countOf(step) {
  for (const k of STEP_COUNT_KEYS) {
    const v = step[k]
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v)
  }
  return 0
}

/** part / whole as a percentage with one decimal (0 when the whole is 0). */
export function percent(part, whole) {
  if (!whole) return 0
  return Math.round((part * 1000) / whole) / 10
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/**
 * steps: [{step, label?, label_zh?, devices|count, conversion_from_previous?, drop_off?,
 * drop_off_rate?, conversion_from_start?}] in funnel order →
 * [{step, label, label_zh, count, conversion, dropOff, dropOffRate, fromStart}].
 */
export function funnelRows(steps) {
  const list = Array.isArray(steps) ? steps : []
  const first = list.length ? countOf(list[0]) : 0
  return list.map((s, i) => {
    const count = countOf(s)
    const prev = i === 0 ? count : countOf(list[i - 1])
    const dropOff = i === 0 ? 0 : Math.max(prev - count, 0)
    return {
      step: s.step ?? s.name ?? String(i + 1),
      label: s.label ?? '',
      label_zh: s.label_zh ?? '',
      count,
      conversion: num(s.conversion_from_previous) ?? (i === 0 ? (count ? 100 : 0) : percent(count, prev)),
      dropOff: num(s.drop_off) ?? dropOff,
      dropOffRate: num(s.drop_off_rate) ?? (i === 0 ? 0 : percent(dropOff, prev)),
      fromStart: num(s.conversion_from_start) ?? percent(count, first),
    }
  })
}

/** The whole funnel's conversion: last step over first. */
export function overallConversion(rows) {
  if (!rows.length) return 0
  return percent(rows[rows.length - 1].count, rows[0].count)
}
