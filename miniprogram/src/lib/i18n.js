// The mini-program's i18n: the H5 app's message tables (one source: web/m/src/locales.js) plus
// the mini-program's own (messages.js), the language kept in wx storage, and the same
// t / tMaybe / isZh the shared display helpers import.
const { createTranslator, LOCALES } = require('../shared/i18nCore.js')
const { setLanguageSource } = require('../shared/errors.js')
const h5 = require('../shared/m/locales.js').default
const own = require('./messages.js')

const KEY = 'od_locale'
const listeners = new Set()
let current = null

function merge(a, b) {
  const out = { ...a }
  for (const k of Object.keys(b)) {
    out[k] = b[k] && typeof b[k] === 'object' && a[k] && typeof a[k] === 'object' ? merge(a[k], b[k]) : b[k]
  }
  return out
}

const TABLES = { 'zh-CN': merge(h5['zh-CN'], own['zh-CN']), 'en-US': merge(h5['en-US'], own['en-US']) }

function getLocale() {
  if (current === null) {
    let saved = ''
    try {
      saved = wx.getStorageSync(KEY)
    } catch (e) {
      saved = ''
    }
    current = LOCALES.includes(saved) ? saved : 'zh-CN' // Chinese first
  }
  return current
}

function setLocale(next) {
  if (!LOCALES.includes(next)) return
  current = next
  try {
    wx.setStorageSync(KEY, next)
  } catch (e) {
    // ignore
  }
  for (const fn of listeners) fn(next)
}

function onLocaleChange(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

const isZh = () => getLocale() === 'zh-CN'
const { t, tMaybe } = createTranslator(() => TABLES, getLocale)
setLanguageSource(isZh)

/** {name: key} → {name: text}: the labels a page's WXML shows. */
function labels(keys, params = {}) {
  const out = {}
  for (const name of Object.keys(keys)) out[name] = t(keys[name], params[name])
  return out
}

module.exports = { t, tMaybe, isZh, getLocale, setLocale, onLocaleChange, labels, TABLES, LOCALES }
