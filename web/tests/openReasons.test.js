// @vitest-environment node
// Every decision reason the backend can give (identity/rules.py REASONS) has a sentence in both
// languages: a resumed application only carries the codes.
import { readFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import { describe, expect, it } from 'vitest'
import messages from '../m/src/locales.js'

const rules = readFileSync(fileURLToPath(new URL('../../src/opendeposit/identity/rules.py', import.meta.url)), 'utf8')
const codes = [...rules.matchAll(/Reason\("([A-Z_]+)"/g)].map((m) => m[1])

describe('openReason', () => {
  it('finds the reasons', () => {
    expect(codes.length).toBeGreaterThan(10)
  })
  it.each(['zh-CN', 'en-US'])('%s explains every reason code', (lang) => {
    const missing = codes.filter((c) => typeof messages[lang].openReason[c] !== 'string')
    expect(missing).toEqual([])
  })
})
