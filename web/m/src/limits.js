// The account's `limits` as display rows: a list of buckets
// ({bucket, daily_limit, used_today, left_today, ...}) or a nested object, whatever the nesting.
import { tMaybe } from '@shared/i18n.js'
import { displayAmount, toFen } from '@shared/money.js'

function label(path) {
  const key = path.join('_')
  return (
    tMaybe(`limits.${key}`) ??
    path.map((p) => tMaybe(`limits.${p}`) ?? String(p).replace(/_/g, ' ')).join(' · ')
  )
}

function value(v) {
  if (typeof v === 'string' && toFen(v) !== null) return `¥${displayAmount(v)}`
  if (typeof v === 'boolean') return tMaybe(v ? 'common.yes' : 'common.no')
  if (v === null || v === undefined) return '—'
  return String(v)
}

function rowsOf(obj, path, rows) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && path.length < 2) rowsOf(v, [...path, k], rows)
    else rows.push({ key: [...path, k].join('.'), label: label([...path, k]), value: value(v) })
  }
}

/** Groups of rows: [{title, rows: [{key, label, value}]}]; title is '' for an unnamed group. */
export function limitGroups(limits) {
  if (!limits || typeof limits !== 'object') return []
  if (Array.isArray(limits)) {
    return limits
      .filter((item) => item && typeof item === 'object')
      .map((item, i) => {
        // `capped` says which kind of bucket it is (the title says it too); a bucket outside
        // the caps has no limits (null): only what was used is shown for it
        const { bucket, capped, ...rest } = item
        const shown = capped === false
          ? Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined))
          : rest
        const rows = []
        rowsOf(shown, [], rows)
        return { key: bucket || String(i), title: bucket ? tMaybe(`limitBucket.${bucket}`) ?? bucket : '', rows }
      })
  }
  const rows = []
  rowsOf(limits, [], rows)
  return [{ key: 'all', title: '', rows }]
}
