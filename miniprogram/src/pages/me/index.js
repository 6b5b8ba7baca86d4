// 我的: the customer's own profile (GET /me: their name in full, the ID number and phone masked),
// the language, the receipt check, and logging out (ended on the server too).
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const auth = require('../../lib/auth.js')
const session = require('../../lib/session.js')
const { api } = require('../../lib/request.js')
const { t, getLocale, setLocale } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount } = require('../../shared/money.js')
const { maskAccountNo, maskIdNumber, maskPhone } = require('../../shared/mask.js')
const { enumText } = require('../../shared/m/format.js')

const ROUTE = 'pages/me/index'

function profile(me) {
  const a = me.account
  return {
    name: me.name || '—', // their own name, in full: it is their own page
    phone: maskPhone(me.phone) || '—',
    idNumber: maskIdNumber(me.id_number) || '—',
    kyc: enumText('kycStatus', me.kyc_status),
    accountNo: a && a.account_no ? maskAccountNo(a.account_no) : '',
    balance: a && a.balance !== undefined ? `¥${displayAmount(a.balance)}` : '',
  }
}

Component({
  behaviors: [page],
  data: { loggedIn: false, p: null, error: '', locale: 'zh-CN' },
  methods: {
    labelKeys() {
      return {
        guest: 'me.guest', login: 'home.login', name: 'me.name', phone: 'me.phone', idNumber: 'me.idNumber', kyc: 'me.kyc',
        account: 'me.account', balance: 'account.balance', language: 'me.language', receipts: 'account.receipts',
        statement: 'account.statement', verify: 'home.verify', logout: 'me.logout', customer: 'me.customer',
      }
    },
    titleKey() {
      return 'me.title'
    },
    onShow() {
      this.trackView(ROUTE)
      const loggedIn = session.loggedIn()
      this.setData({ loggedIn, locale: getLocale() })
      if (loggedIn) this.load()
      else this.setData({ p: null })
    },
    onLocale() {
      this.setData({ locale: getLocale() })
      if (this.me) this.setData({ p: profile(this.me) })
    },
    async load() {
      try {
        this.me = await api.get('/me')
        this.setData({ p: profile(this.me), error: '' })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onLang(e) {
      setLocale(e.currentTarget.dataset.lang)
    },
    onLogin() {
      nav.toLogin('/pages/me/index')
    },
    onReceipts() {
      nav.open('/pages/receipts/index')
    },
    onStatement() {
      nav.open('/pages/statement/index')
    },
    onVerify() {
      nav.open('/pages/verify/index')
    },
    onLogout() {
      wx.showModal({
        title: t('me.logout'),
        content: t('me.logoutConfirm'),
        success: async (res) => {
          if (!res || !res.confirm) return
          await auth.logout()
          this.me = null
          this.setData({ loggedIn: false, p: null })
          wx.showToast({ title: t('me.loggedOut'), icon: 'none' })
        },
      })
    },
  },
})
