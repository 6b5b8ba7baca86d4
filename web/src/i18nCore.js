// The part of i18n both clients share (no framework): dotted-key lookup in message tables,
// `{name}` placeholders, and the fallback to Chinese, then to the key. The H5 app wraps it with
// a Vue ref (i18n.js); the mini-program with its own storage (miniprogram/src/lib/i18n.js).

export const LOCALES = ['zh-CN', 'en-US']

/** The string at `key` ("a.b.c") in `table`, or undefined. */
export function lookup(table, key) {
  let node = table
  for (const part of String(key).split('.')) {
    if (node == null || typeof node !== 'object') return undefined
    node = node[part]
  }
  return typeof node === 'string' ? node : undefined
}

/** "余额 {n}" + {n: 3} → "余额 3"; unknown names stay as they are. */
export function interpolate(text, params) {
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] ?? m).toString())
}

/**
 * {t, tMaybe} over `getTables()` ({'zh-CN': {...}, 'en-US': {...}}) in `getLocale()`.
 * `t` falls back to Chinese, then to the key; `tMaybe` answers undefined for a missing key.
 */
export function createTranslator(getTables, getLocale) {
  function find(key) {
    const tables = getTables() || {}
    return lookup(tables[getLocale()], key) ?? lookup(tables['zh-CN'], key)
  }
  return {
    t: (key, params) => interpolate(find(key) ?? key, params),
    tMaybe: (key, params) => {
      const found = find(key)
      return found === undefined ? undefined : interpolate(found, params)
    },
  }
}
