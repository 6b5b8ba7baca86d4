// Deposit-insurance block (domain.md §4, §11.10): the badge, 存款保险 / DEPOSIT INSURANCE and a
// neutral statement; `compact` keeps it to one line (product cards), the full text is for the
// home, product detail, purchase and confirmation pages. Never a computed "protected amount".
const { t } = require('../../lib/i18n.js')

Component({
  properties: {
    statement: { type: String, value: '' },
    compact: { type: Boolean, value: false },
  },
  data: { text: '' },
  observers: {
    statement(value) {
      this.setData({ text: value || t('insurance.defaultStatement') })
    },
  },
  lifetimes: {
    attached() {
      this.setData({ text: this.data.statement || t('insurance.defaultStatement') })
    },
  },
})
