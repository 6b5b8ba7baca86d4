// Risk data as the pages show it: an alert's rule (an object {code, version, description...} or
// flat fields), rule thresholds (a list with units and bounds, or a plain map), evidence as text.
import { isZh } from '@shared/i18n.js'

export function ruleOf(alert) {
  const r = alert && alert.rule
  if (r && typeof r === 'object') {
    return { code: r.code ?? '', version: r.version ?? null, description: (isZh() ? r.description_zh : r.description) || r.description || '' }
  }
  return { code: alert.rule_code ?? r ?? '', version: alert.rule_version ?? null, description: alert.rule_description ?? '' }
}

/** Thresholds → [{name, value, unit, min, max, help}] whatever shape the server sent. */
export function thresholdsOf(rule) {
  const th = rule && rule.thresholds
  if (Array.isArray(th)) {
    return th.map((x) => ({ name: x.name, value: x.value, unit: x.unit ?? '', min: x.min ?? null, max: x.max ?? null, help: x.help ?? '', default: x.default ?? null }))
  }
  if (th && typeof th === 'object') return Object.entries(th).map(([name, value]) => ({ name, value, unit: '', min: null, max: null, help: '', default: null }))
  return []
}

/** The thresholds that changed, as PUT /risk/rules/{code} wants them: integers stay numbers. */
export function changedThresholds(before, edited) {
  const out = {}
  for (const e of edited) {
    const old = before.find((b) => b.name === e.name)
    const text = String(e.value).trim()
    if (old && String(old.value) === text) continue
    out[e.name] = /^-?\d+$/.test(text) && !/amount|yuan|fen/.test(String(e.unit)) ? Number(text) : text
  }
  return out
}

export function evidenceText(e) {
  if (e === null || e === undefined || e === '') return ''
  if (typeof e !== 'object') return String(e)
  return Object.entries(e).map(([k, v]) => `${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ')
}
