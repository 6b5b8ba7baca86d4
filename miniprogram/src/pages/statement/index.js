// 交易明细: statement lines newest first (GET /account/transactions, paged by cursor). The bank's
// memo is written in Chinese: in English the kind says what the line is, and the memo is not shown.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const { api, listOf } = require('../../lib/request.js')
const { t, isZh } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount, formatGrouped, toFen } = require('../../shared/money.js')
const { dateTimeText, enumText } = require('../../shared/m/format.js')

const ROUTE = 'pages/statement/index'

function signed(amount) {
  const fen = toFen(amount)
  if (fen === null) return { text: '—', positive: false }
  if (fen > 0) return { text: `+${formatGrouped(fen)}`, positive: true }
  if (fen < 0) return { text: `−${formatGrouped(-fen)}`, positive: false }
  return { text: formatGrouped(0), positive: false }
}

/** A statement line as the page shows it. */
function lineView(line) {
  const amount = signed(line.amount)
  return {
    id: line.id,
    kind: enumText('txKind', line.kind),
    memo: isZh() ? line.description || '' : '',
    at: dateTimeText(line.at),
    amount: amount.text,
    positive: amount.positive,
    balanceAfter: `${t('statement.balanceAfter')} ${displayAmount(line.balance_after)}`,
    serial: line.transaction_serial ? `${t('statement.serial')} ${line.transaction_serial}` : '',
    receiptNo: line.receipt_no || '',
  }
}

Component({
  behaviors: [page],
  data: { lines: [], loading: false, finished: false, error: '' },
  methods: {
    labelKeys() {
      return { empty: 'statement.empty', end: 'statement.end', receipt: 'statement.receipt', retry: 'common.retry' }
    },
    titleKey() {
      return 'statement.title'
    },
    onLoad() {
      if (nav.requireLogin('/pages/statement/index')) this.refresh()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onPullDownRefresh() {
      this.refresh().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (!this.data.finished && !this.data.loading) this.more()
    },
    onLocale() {
      this.setData({ lines: (this.raw || []).map(lineView) })
    },
    refresh() {
      this.cursor = null
      this.raw = []
      this.setData({ lines: [], finished: false, error: '' })
      return this.more()
    },
    async more() {
      this.setData({ loading: true, error: '' })
      try {
        const data = await api.get('/account/transactions', { query: { cursor: this.cursor } })
        const items = listOf(data)
        this.raw = (this.raw || []).concat(items)
        this.cursor = data && data.next_cursor
        this.setData({ lines: this.raw.map(lineView), loading: false, finished: !this.cursor || !items.length })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    onReceipt(e) {
      nav.open(`/pages/receipt/index?no=${encodeURIComponent(e.currentTarget.dataset.no)}`)
    },
  },
})

module.exports = { lineView }
