// What every page shares (a Behavior): its labels in the current language (`L` in the WXML,
// from the page's `labelKeys()`), the navigation-bar title, `page_view` on show (the same
// event as the H5 app's), and one way to show an error sentence.
const { labels, onLocaleChange, t } = require('./i18n.js')
const { track } = require('./tracker.js')
const { errorText } = require('../shared/errors.js')

module.exports = Behavior({
  data: { L: {} },
  lifetimes: {
    attached() {
      this.applyLabels()
      this._offLocale = onLocaleChange(() => {
        this.applyLabels()
        if (typeof this.onLocale === 'function') this.onLocale()
      })
    },
    detached() {
      if (this._offLocale) this._offLocale()
    },
  },
  methods: {
    applyLabels() {
      const keys = typeof this.labelKeys === 'function' ? this.labelKeys() : {}
      this.setData({ L: labels(keys) })
      const title = typeof this.titleKey === 'function' ? this.titleKey() : ''
      if (title) wx.setNavigationBarTitle({ title: t(title) })
    },
    /** page_view {path, name}: `path` is the mini-program route. */
    trackView(route) {
      track('page_view', { path: `/${route}`, name: route.split('/')[1] || null })
    },
    /** A short failure as a toast; a long sentence as a dialog. */
    showError(err) {
      const text = typeof err === 'string' ? err : errorText(err)
      if (text.length <= 14) wx.showToast({ title: text, icon: 'none', duration: 2500 })
      else wx.showModal({ title: t('mp.common.failedTitle'), content: text, showCancel: false, confirmText: t('common.ok') })
    },
  },
})
