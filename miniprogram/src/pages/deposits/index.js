// 我的存款: the customer's holdings (GET /deposits): active first, the total principal held.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const session = require('../../lib/session.js')
const { api, listOf } = require('../../lib/request.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount, formatGrouped, formatRate, toFen } = require('../../shared/money.js')
const { dateText, enumText, productName } = require('../../shared/m/format.js')

const ROUTE = 'pages/deposits/index'
const ORDER = { active: 0, matured: 1, rolled_over: 2, withdrawn: 3 }

function view(holdings, filter) {
  const shown = holdings
    .filter((h) => filter === 'all' || h.status === 'active')
    .slice()
    .sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9) || String(a.maturity_date).localeCompare(String(b.maturity_date)))
    .map((h) => ({
      id: h.id, name: productName(h), status: enumText('holdingStatus', h.status), active: h.status === 'active',
      principal: `¥${displayAmount(h.principal)}`, rate: `${formatRate(h.rate)}%`, maturity: dateText(h.maturity_date),
    }))
  const total = holdings.filter((h) => h.status === 'active').reduce((sum, h) => sum + (toFen(h.principal) || 0), 0)
  return { shown, total: formatGrouped(total) }
}

Component({
  behaviors: [page],
  data: { loggedIn: false, loading: false, error: '', filter: 'active', shown: [], total: '0.00' },
  methods: {
    labelKeys() {
      return {
        totalActive: 'deposits.totalActive', buyMore: 'deposits.buyMore', active: 'deposits.active', all: 'deposits.all',
        empty: 'deposits.empty', browse: 'deposits.browse', rateLabel: 'product.rateLabel', maturityDate: 'product.maturityDate',
        principal: 'deposit.principal', login: 'home.login', loginHint: 'home.loginHint', retry: 'common.retry',
      }
    },
    titleKey() {
      return 'deposits.title'
    },
    onShow() {
      this.trackView(ROUTE)
      const loggedIn = session.loggedIn()
      this.setData({ loggedIn })
      if (loggedIn) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onLocale() {
      this.setData(view(this.holdings || [], this.data.filter))
    },
    async load() {
      this.setData({ loading: !this.holdings, error: '' })
      try {
        this.holdings = listOf(await api.get('/deposits'))
        this.setData({ loading: false, ...view(this.holdings, this.data.filter) })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    onFilter(e) {
      const filter = e.currentTarget.dataset.filter
      this.setData({ filter, ...view(this.holdings || [], filter) })
    },
    onHolding(e) {
      nav.open(`/pages/deposit/index?id=${e.currentTarget.dataset.id}`)
    },
    onBrowse() {
      nav.open('/pages/home/index')
    },
    onLogin() {
      nav.toLogin('/pages/deposits/index')
    },
  },
})
