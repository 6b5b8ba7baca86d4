// 首页: the products on sale (GET /products), the deposit-insurance block with the full
// statement, and the ways in: log in, my account, my receipts, the public receipt check.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const session = require('../../lib/session.js')
const { api, listOf } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { maskPhone } = require('../../shared/mask.js')
const { errorText } = require('../../shared/errors.js')

const ROUTE = 'pages/home/index'

Component({
  behaviors: [page],
  data: { products: [], loading: true, error: '', loggedIn: false, hello: '' },
  methods: {
    labelKeys() {
      return {
        title: 'brand.title', subtitle: 'brand.subtitle', login: 'home.login', loginHint: 'home.loginHint',
        myAccount: 'home.myAccount', receipts: 'home.receipts', verify: 'home.verify',
        products: 'home.products', noProducts: 'home.noProducts', retry: 'common.retry',
        homeStatement: 'insurance.homeStatement', finePrint: 'home.finePrint', loading: 'common.loading',
      }
    },
    onLoad() {
      this.load()
    },
    onShow() {
      const phone = session.getPhone()
      this.setData({
        loggedIn: session.loggedIn(),
        hello: phone ? t('home.hello', { phone: maskPhone(phone) }) : t('home.loggedIn'),
      })
      this.trackView(ROUTE)
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const data = await api.get('/products', { auth: false })
        this.setData({ products: listOf(data, 'products'), loading: false })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    onProduct(e) {
      nav.open(`/pages/product/index?code=${encodeURIComponent(e.detail.code)}`)
    },
    onLogin() {
      nav.toLogin('/pages/home/index')
    },
    onAccount() {
      nav.open('/pages/account/index')
    },
    onReceipts() {
      if (nav.requireLogin('/pages/receipts/index')) nav.open('/pages/receipts/index')
    },
    onVerify() {
      nav.open('/pages/verify/index')
    },
  },
})
