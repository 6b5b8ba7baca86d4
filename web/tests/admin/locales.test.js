// @vitest-environment node
// Every text key the console uses has a Chinese and an English text, and so has every enum value
// the pages label.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { describe, expect, it } from 'vitest'
import messages from '../../admin/src/locales.js'
import { MENU } from '../../admin/src/access.js'

const root = fileURLToPath(new URL('../../admin/src', import.meta.url))

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : /\.(vue|js)$/.test(name) ? [p] : []
  })
}

function has(table, key) {
  return typeof key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), table) === 'string'
}

const used = new Set()
for (const file of files(root).filter((f) => !f.endsWith('locales.js'))) {
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/\bt\('([a-zA-Z][\w.]*)'/g)) used.add(m[1])
  for (const m of text.matchAll(/title: '([a-zA-Z]\w*\.[\w.]+)'/g)) used.add(m[1])
  // problem keys returned by the pure checks (productForm, rateForm, loginRules, dialogs...)
  for (const m of text.matchAll(/'((?:login|product|rates|dialog|customer)\.(?:errors\.)?[a-zA-Z]+)'/g)) used.add(m[1])
}
for (const g of MENU) {
  used.add(`menu.${g.key}`)
  for (const i of g.items) used.add(`nav.${i.page}`)
}
for (const a of ['edit', 'submit', 'approve', 'reject', 'suspend']) used.add(`product.actions.${a}`)
for (const a of ['reject', 'suspend']) used.add(`product.${a}Title`) && used.add(`product.${a}Message`)
for (const d of ['dismiss', 'escalate', 'block']) ['decisions', 'decideTitle', 'decideMessage'].forEach((k) => used.add(`alerts.${k}.${d}`))
for (const w of ['release', 'return']) ['', 'Title', 'Message'].forEach((k) => used.add(`holds.${w}${k}`))
used.add('holds.released').add('holds.returnd')
for (const k of ['approve', 'escalate', 'reject']) used.add(`reviews.done.${k}`)
for (const f of ['name', 'id_number', 'phone', 'card_no']) used.add(`reveal.fields.${f}`)
for (const b of ['NO_ACCOUNT', 'ALREADY_CLOSED', 'BALANCE_NOT_ZERO', 'ACTIVE_HOLDING']) used.add(`customer.blockers.${b}`)
for (const r of ['operator', 'checker', 'risk', 'auditor', 'admin']) used.add(`enum.role.${r}`)
for (const s of ['normal', 'non_counter_suspended', 'receive_only', 'frozen', 'dormant', 'closed']) used.add(`enum.accountStatus.${s}`)
for (const s of ['pending', 'second_approval', 'escalated', 'approved', 'rejected']) used.add(`enum.reviewStatus.${s}`)
for (const k of ['visitors', 'registrations', 'accounts_opened', 'deposits_count', 'deposits_total', 'receipts_queried', 'receipts_verified', 'page_views']) used.add(`enum.kpi.${k}`)
for (const s of ['visit', 'registered', 'kyc_started', 'kyc_passed', 'account_opened', 'first_deposit']) used.add(`enum.funnelStep.${s}`)

describe('console locales', () => {
  it('finds the keys', () => {
    expect(used.size).toBeGreaterThan(400)
  })
  it.each(['zh-CN', 'en-US'])('%s has every key the console uses', (lang) => {
    const missing = [...used].filter((k) => !has(messages[lang], k))
    expect(missing).toEqual([])
  })
  it('English has every Chinese text', () => {
    const walk = (node, prefix = '') => Object.entries(node).flatMap(([k, v]) => (typeof v === 'object' ? walk(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
    const missing = walk(messages['zh-CN']).filter((k) => !has(messages['en-US'], k))
    expect(missing).toEqual([])
  })
})
