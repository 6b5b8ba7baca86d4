// A tiny i18n: one reactive locale for the page, message tables per app, `{name}` placeholders.
// The lookup itself is i18nCore.js, shared with the mini-program.
import { ref } from 'vue'
import { LOCALES, createTranslator } from './i18nCore.js'
import { setLanguageSource } from './errors.js'

export { LOCALES }
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

// reads locale.value, so every `t()` in a template re-renders when the language changes
const translator = createTranslator(() => tables, () => locale.value)

/** Translate `key` (dotted path); falls back to Chinese, then to the key itself. */
export const t = translator.t

/** `t` only if the key exists, else undefined: for optional labels of API enum values. */
export const tMaybe = translator.tMaybe

setLanguageSource(isZh) // error sentences follow the page's language

/** Vue plugin: `$t` and `$locale` in templates. */
export const i18nPlugin = {
  install(app) {
    app.config.globalProperties.$t = t
    app.config.globalProperties.$locale = locale
  },
}
