// A tiny i18n: one reactive locale for the page, message tables per app, `{name}` placeholders.
import { ref } from 'vue'

export const LOCALES = ['zh-CN', 'en-US']
const KEY = 'od_locale'

function savedLocale() {
  try {
    const saved = globalThis.localStorage && localStorage.getItem(KEY)
    if (LOCALES.includes(saved)) return saved
  } catch {
    // storage disabled
  }
  return 'zh-CN' // the bank's customers read Chinese first, whatever the browser says
}

/** The page's language; a ref so every `t()` in a template re-renders when it changes. */
export const locale = ref(savedLocale())

const listeners = new Set()

export function setLocale(next) {
  if (!LOCALES.includes(next)) return
  locale.value = next
  try {
    localStorage.setItem(KEY, next)
  } catch {
    // ignore
  }
  if (globalThis.document) document.documentElement.lang = next === 'zh-CN' ? 'zh-CN' : 'en'
  for (const fn of listeners) fn(next)
}

export function onLocaleChange(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export const isZh = () => locale.value === 'zh-CN'

let tables = { 'zh-CN': {}, 'en-US': {} }

export function setMessages(messages) {
  tables = messages
}

function lookup(table, key) {
  let node = table
  for (const part of key.split('.')) {
    if (node == null || typeof node !== 'object') return undefined
    node = node[part]
  }
  return typeof node === 'string' ? node : undefined
}

/** Translate `key` (dotted path); falls back to Chinese, then to the key itself. */
export function t(key, params) {
  const text = lookup(tables[locale.value], key) ?? lookup(tables['zh-CN'], key) ?? key
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] ?? m).toString())
}

/** `t` only if the key exists, else undefined: for optional labels of API enum values. */
export function tMaybe(key, params) {
  const found = lookup(tables[locale.value], key) ?? lookup(tables['zh-CN'], key)
  return found === undefined ? undefined : t(key, params)
}

/** Vue plugin: `$t` and `$locale` in templates. */
export const i18nPlugin = {
  install(app) {
    app.config.globalProperties.$t = t
    app.config.globalProperties.$locale = locale
  },
}
