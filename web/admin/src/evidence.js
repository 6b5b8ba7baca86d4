// How one evidence record reads to a reviewer: its detail and context as labelled facts, scores
// as numbers, the registry's answer and the location in words. Pure, so it is unit-tested.
import { t, tMaybe } from '@shared/i18n.js'
import { dateTime } from './format.js'

const HIDDEN = new Set(['image', 'image_url', 'id', 'step', 'kind', 'outcome', 'model', 'actor', 'at', 'detail', 'location', 'facts'])

function valueText(v) {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no')
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3)
  if (Array.isArray(v)) return v.map(valueText).join(', ')
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${tMaybe(`evidence.keys.${k}`) ?? k}: ${valueText(x)}`).join('; ')
  return String(v)
}

/** A location as the page shows it: "22.5431, 114.0579 (±30 m)", a city, or the raw text. */
export function locationText(loc) {
  if (!loc) return ''
  if (typeof loc === 'string') return loc
  const lat = loc.lat ?? loc.latitude
  const lon = loc.lon ?? loc.lng ?? loc.longitude
  const parts = []
  if (typeof lat === 'number' && typeof lon === 'number') parts.push(`${lat.toFixed(4)}, ${lon.toFixed(4)}`)
  if (loc.accuracy !== undefined) parts.push(`±${Math.round(loc.accuracy)} m`)
  for (const k of ['city', 'region', 'source']) if (loc[k]) parts.push(String(loc[k]))
  return parts.length ? parts.join(' · ') : valueText(loc)
}

const KEY_FACTS = ['score', 'threshold', 'distance', 'match', 'matched', 'passed', 'sharpness', 'result', 'reasons', 'warnings', 'outcome', 'purpose']

/** The few figures a reviewer reads first (scores, thresholds, results), from the full facts. */
export function keyFacts(facts, max = 3) {
  return facts.filter((f) => KEY_FACTS.includes(f.key)).slice(0, max)
}

/** An evidence kind in words; numbered kinds (liveness_frame_2) keep their number. */
export function kindLabel(kind) {
  const text = String(kind ?? '')
  const numbered = /^(.*)_(\d+)$/.exec(text)
  if (numbered) {
    const base = tMaybe(`enum.evidenceKind.${numbered[1]}`)
    if (base) return `${base} ${Number(numbered[2]) + 1}`
  }
  return tMaybe(`enum.evidenceKind.${text}`) ?? text
}

/** evidence item → [{key, label, value, mono}] */
export function evidenceFacts(e) {
  const facts = []
  const add = (key, value, mono = false) => {
    if (value === undefined || value === null || value === '') return
    facts.push({ key, label: tMaybe(`evidence.keys.${key}`) ?? key, value: valueText(value), mono })
  }
  const detail = e && e.detail && typeof e.detail === 'object' ? e.detail : {}
  for (const [k, v] of Object.entries(detail)) {
    if (HIDDEN.has(k)) continue
    add(k, v, /score|distance|threshold|sha|hash/.test(k))
  }
  if (e && e.location) add('location', locationText(e.location))
  if (e && e.device_id) add('device_id', e.device_id, true)
  if (e && e.ip) add('ip', e.ip, true)
  if (e && e.image && e.image.sha256) add('sha256', `${e.image.sha256.slice(0, 16)}…`, true)
  return facts
}

/** The headline figures of a review case: face score, liveness, registry answer. */
export function reviewSummary(c) {
  const app = (c && c.application) || {}
  const face = app.face || {}
  const evidence = (c && c.evidence) || []
  const find = (kind) => evidence.filter((e) => e.kind === kind).slice(-1)[0]
  const registry = find('citizen_id_check')
  const liveness = find('liveness')
  const match = find('face_match')
  return {
    faceScore: typeof face.score === 'number' ? face.score : match && match.detail && typeof match.detail.score === 'number' ? match.detail.score : null,
    faceSource: face.source || '',
    liveness: liveness ? (liveness.outcome && liveness.outcome !== 'ok' ? liveness.outcome : 'passed') : '',
    registry: registry ? (registry.outcome && registry.outcome !== 'ok' ? registry.outcome : 'matched') : '',
    registryAt: registry ? dateTime(registry.at) : '',
    location: locationText((app.applicant && app.applicant.location) || (evidence.find((e) => e.location) || {}).location),
  }
}
