// A product on the home page: rate, term, minimum, quota left, and the deposit-insurance logo
// with one line (the full statement is on the product's own pages).
const { t } = require('../../lib/i18n.js')
const { displayAmount, formatRate } = require('../../shared/money.js')
const { enumText, productName, termText } = require('../../shared/m/format.js')

function view(p) {
  if (!p || !p.code) return null
  return {
    code: p.code,
    name: productName(p),
    kind: p.kind ? enumText('productKind', p.kind) : '',
    largeCd: p.kind === 'large_cd',
    rate: formatRate(p.rate),
    term: termText(p.term_months),
    minAmount: `¥${displayAmount(p.min_amount)}`,
    quota: p.quota_left == null ? t('product.quotaUnlimited') : `¥${displayAmount(p.quota_left)}`,
  }
}

Component({
  properties: { product: { type: Object, value: null } },
  data: { v: null, L: {} },
  observers: {
    product(p) {
      this.setData({ v: view(p) })
    },
  },
  lifetimes: {
    attached() {
      this.setData({
        v: view(this.data.product),
        L: {
          rateLabel: t('product.rateLabel'), term: t('product.term'), minAmount: t('product.minAmount'),
          quotaLeft: t('product.quotaLeft'), cardLine: t('insurance.cardLine'),
        },
      })
    },
  },
  methods: {
    onTap() {
      if (!this.data.v) return
      this.triggerEvent('open', { code: this.data.v.code })
    },
  },
})
