// @vitest-environment node
// Every literal t('key') in the H5 app has a Chinese and an English text.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { describe, expect, it } from 'vitest'
import messages from '../m/src/locales.js'

const root = fileURLToPath(new URL('../m/src', import.meta.url))

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
  for (const m of text.matchAll(/title: '([a-zA-Z]\w*\.[\w.]+)'/g)) used.add(m[1]) // route titles
}
for (const kind of ['top_up', 'withdraw']) {
  for (const k of ['title', 'amountLabel', 'done']) used.add(`move.${kind}.${k}`)
}
for (const code of ['EMPTY', 'FORMAT', 'TOO_MANY_DECIMALS', 'ZERO', 'TOO_LARGE']) used.add(`amount.errors.${code}`)
for (const k of ['month', 'months', 'year', 'years']) used.add(`term.${k}`)

describe('locales', () => {
  it('finds the keys', () => {
    expect(used.size).toBeGreaterThan(150)
  })
  it.each(['zh-CN', 'en-US'])('%s has every key the app uses', (lang) => {
    const missing = [...used].filter((k) => !has(messages[lang], k))
    expect(missing).toEqual([])
  })
})
