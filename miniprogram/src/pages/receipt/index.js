// 电子回单 (?no=): the signed fields (shared/m/receiptFields.js, as on the H5 page), the
// verification code, and the signed PDF: wx.downloadFile with the session, then
// wx.openDocument (preview, forward, save).
const page = require('../../lib/page.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount } = require('../../shared/money.js')
const { dateText, enumText } = require('../../shared/m/format.js')
const { receiptRows } = require('../../shared/m/receiptFields.js')

const ROUTE = 'pages/receipt/index'

function view(r) {
  return {
    no: r.receipt_no, kind: enumText('receiptKind', r.kind), amount: `¥${displayAmount(r.amount)}`, words: r.amount_in_words || '',
    date: dateText(r.business_date), code: r.verification_code,
    rows: receiptRows(r.fields, { skip: ['receipt_no', 'kind', 'amount', 'business_date'] }),
  }
}

Component({
  behaviors: [page],
  data: { loading: true, error: '', r: null, opening: false },
  methods: {
    labelKeys() {
      return {
        paperTitle: 'receipt.paperTitle', no: 'receipt.no', kind: 'receipt.kind', businessDate: 'receipt.businessDate',
        code: 'receipt.code', viewPdf: 'receipt.viewPdf', retry: 'common.retry', amount: 'receiptField.amount',
      }
    },
    titleKey() {
      return 'receipt.title'
    },
    onLoad(query = {}) {
      this.no = decodeURIComponent(query.no || '')
      this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onLocale() {
      if (this.receipt) this.setData({ r: view(this.receipt) })
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        this.receipt = await api.get(`/receipts/${encodeURIComponent(this.no)}`)
        this.setData({ loading: false, r: view(this.receipt) })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    async onPdf() {
      if (this.data.opening) return
      this.setData({ opening: true })
      wx.showLoading({ title: t('mp.receipt.opening') })
      try {
        const filePath = await api.download(`/receipts/${encodeURIComponent(this.no)}/pdf`)
        await new Promise((resolve, reject) => {
          wx.openDocument({ filePath, fileType: 'pdf', showMenu: true, success: resolve, fail: reject })
        })
      } catch (err) {
        this.showError(err && err.code ? err : t('mp.receipt.openFailed'))
      } finally {
        wx.hideLoading()
        this.setData({ opening: false })
      }
    },
  },
})
