// The dashboards' figures and chart options, from the analytics API (pure, unit-tested). Money is
// a decimal string from the server and stays one: charts get yuan through the shared integer-fen
// parser, never by float arithmetic on the amount.
import { toFen } from '@shared/money.js'
import { percent } from './funnel.js'

/** The KPI cards, in the order the business reads them (the seed's reported figures first). */
export const KPI_KEYS = ['visitors', 'registrations', 'accounts_opened', 'deposits_count', 'deposits_total', 'receipts_queried', 'receipts_verified', 'page_views']
export const MONEY_KEYS = new Set(['deposits_total', 'total', 'sold', 'sold_amount', 'quota', 'total_quota', 'quota_left', 'amount'])

export function kpiCards(kpis) {
  if (!kpis || typeof kpis !== 'object') return []
  const keys = [...KPI_KEYS, ...Object.keys(kpis).filter((k) => !KPI_KEYS.includes(k))]
  return keys.filter((k) => kpis[k] !== undefined && kpis[k] !== null && !['from', 'to'].includes(k) && typeof kpis[k] !== 'object')
    .map((k) => ({ key: k, value: kpis[k], money: MONEY_KEYS.has(k) }))
}

/** Yuan as a number for a chart axis only (never for sums): "1234.56" → 1234.56. */
export function chartYuan(value) {
  const fen = toFen(value)
  return fen === null ? 0 : fen / 100
}

/** Daily KPI rows, oldest first: [{date, ...figures}]. */
export function dailyRows(data) {
  const items = Array.isArray(data) ? data : (data && (data.items || data.days)) || []
  return items.map((r) => ({ ...r, date: r.date ?? r.day ?? r.business_date ?? '' }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
}

/** The figure columns a daily table shows (what the server sent, known ones first). */
export function dailyKeys(rows) {
  const seen = new Set()
  for (const r of rows) for (const k of Object.keys(r)) if (!['date', 'day', 'business_date', 'from', 'to'].includes(k)) seen.add(k)
  return [...KPI_KEYS.filter((k) => seen.has(k)), ...[...seen].filter((k) => !KPI_KEYS.includes(k))]
}

/**
 * Product sales against quota: from the analytics API when it has them, else from the product list
 * (sold = total quota − quota left). → [{code, name, quota, sold, left, soldRate}]
 */
export function salesRows(data) {
  const items = Array.isArray(data) ? data : (data && (data.items || data.products)) || []
  return items.map((p) => {
    const quota = toFen(p.total_quota ?? p.quota) ?? 0
    let sold = toFen(p.sold ?? p.sold_amount)
    let left = toFen(p.quota_left)
    if (sold === null) sold = left === null ? 0 : quota - left
    if (left === null) left = quota - sold
    return {
      code: p.code ?? p.product_code ?? '',
      name: p.name ?? p.product_name ?? '',
      status: p.status ?? '',
      quota: fmt(quota),
      sold: fmt(sold),
      left: fmt(left),
      periodCount: p.period_deposits_count ?? null,
      periodTotal: p.period_deposits_total ?? null,
      periodBuyers: p.period_buyers ?? null,
      soldRate: typeof p.sold_pct === 'number' ? p.sold_pct : percent(sold, quota),
    }
  })
}

function fmt(fen) {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

export function funnelOption(rows, zh) {
  return {
    tooltip: { trigger: 'item', formatter: (p) => `${p.name}: ${p.value} (${rows[p.dataIndex] ? rows[p.dataIndex].fromStart : 0}%)` },
    series: [{
      type: 'funnel', left: '10%', width: '80%', top: 10, bottom: 10, sort: 'none', minSize: '8%', gap: 2,
      label: { show: true, position: 'inside', formatter: (p) => `${p.name}  ${p.value}` },
      data: rows.map((r) => ({ name: zh ? r.label_zh : r.label, value: r.count })),
    }],
  }
}

export function dailyOption(rows, series) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: rows.map((r) => r.date) },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', name: '¥', splitLine: { show: false } }],
    series: series.map((s) => ({
      name: s.name, type: s.money ? 'bar' : 'line', yAxisIndex: s.money ? 1 : 0, smooth: false,
      data: rows.map((r) => (s.money ? chartYuan(r[s.key]) : Number(r[s.key] ?? 0))),
    })),
  }
}

export function salesOption(rows, names) {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 90, right: 24, top: 36, bottom: 28 },
    xAxis: { type: 'value', name: '¥' },
    yAxis: { type: 'category', data: rows.map((r) => r.code) },
    series: [
      { name: names.sold, type: 'bar', stack: 'q', data: rows.map((r) => chartYuan(r.sold)), itemStyle: { color: '#1d5bd8' } },
      { name: names.left, type: 'bar', stack: 'q', data: rows.map((r) => chartYuan(r.left)), itemStyle: { color: '#c9d6ee' } },
    ],
  }
}
