// 我的回单: the customer's signed e-receipts (GET /receipts), newest first.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const { api, listOf } = require('../../lib/request.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount } = require('../../shared/money.js')
const { dateText, enumText } = require('../../shared/m/format.js')

const ROUTE = 'pages/receipts/index'

function view(r) {
  return { no: r.receipt_no, kind: enumText('receiptKind', r.kind), amount: `¥${displayAmount(r.amount)}`, date: dateText(r.business_date) }
}

Component({
  behaviors: [page],
  data: { items: [], loading: true, error: '' },
  methods: {
    labelKeys() {
      return { empty: 'receipts.empty', lag: 'receipts.lag', verify: 'receipts.verify', retry: 'common.retry' }
    },
    titleKey() {
      return 'receipts.title'
    },
    onLoad() {
      if (nav.requireLogin('/pages/receipts/index')) this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onLocale() {
      this.setData({ items: (this.raw || []).map(view) })
    },
    async load() {
      this.setData({ loading: !this.raw, error: '' })
      try {
        this.raw = listOf(await api.get('/receipts'))
        this.setData({ loading: false, items: this.raw.map(view) })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    onReceipt(e) {
      nav.open(`/pages/receipt/index?no=${encodeURIComponent(e.currentTarget.dataset.no)}`)
    },
    onVerify() {
      nav.open('/pages/verify/index')
    },
  },
})
