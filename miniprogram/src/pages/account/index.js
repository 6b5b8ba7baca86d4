// 账户: the Class II account (GET /account): balance, masked number, bound card, limits; top-up
// and withdraw; statement, holdings, receipts. No account yet → open one (pages/open). An
// account suspended for inactivity says so, with the face re-verification that lifts it
// (components/face-verify, lib/stepUp.js reactivateByFace).
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const session = require('../../lib/session.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { displayAmount } = require('../../shared/money.js')
const { maskAccountNo } = require('../../shared/mask.js')
const { enumText } = require('../../shared/m/format.js')
const { limitGroups } = require('../../shared/m/limits.js')
const { reactivatable } = require('../../shared/m/stepUpFace.js')
const { reactivateByFace } = require('../../lib/stepUp.js')

const ROUTE = 'pages/account/index'

Component({
  behaviors: [page],
  data: { loggedIn: false, loading: false, error: '', none: false, a: null, limits: [], suspended: false, reverifying: false, reverifyError: '' },
  methods: {
    labelKeys() {
      return {
        classII: 'account.classII', balance: 'account.balance', topUp: 'account.topUp', withdraw: 'account.withdraw',
        boundCard: 'account.boundCard', statement: 'account.statement', receipts: 'account.receipts',
        deposits: 'account.deposits', limits: 'account.limits', limitsNote: 'account.limitsNote', none: 'account.none',
        noneHint: 'account.noneHint', open: 'account.open', login: 'home.login', loginHint: 'home.loginHint', retry: 'common.retry',
        suspendedTitle: 'account.suspendedTitle', suspendedText: 'account.suspendedText', reverify: 'account.reverify',
      }
    },
    titleKey() {
      return 'account.title'
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
      if (this.account) this.show(this.account)
    },
    async load() {
      this.setData({ loading: !this.data.a, error: '' })
      try {
        this.show(await api.get('/account'))
      } catch (err) {
        if (err.status === 404) this.setData({ none: true, a: null, loading: false })
        else this.setData({ error: errorText(err), loading: false })
      }
    },
    show(a) {
      this.account = a
      const card = a.bound_card || {}
      this.setData({
        loading: false, none: false, limits: limitGroups(a.limits), suspended: reactivatable(a),
        a: {
          balance: displayAmount(a.balance), accountNo: maskAccountNo(a.account_no),
          status: a.status && a.status !== 'normal' ? enumText('accountStatus', a.status) : '',
          card: card.card_no_masked ? `${card.bank || ''} ${card.card_no_masked}` : '',
        },
      })
    },
    /** The face re-verification that lifts a suspension for inactivity, then the account again. */
    async onReverify() {
      if (this.data.reverifying) return
      this.setData({ reverifying: true, reverifyError: '' })
      try {
        if (await reactivateByFace({ sheet: this.selectComponent('#face-verify') })) {
          wx.showToast({ title: t('faceVerify.reactivated'), icon: 'success' })
          await this.load()
        }
      } catch (err) {
        this.setData({ reverifyError: errorText(err) })
      } finally {
        this.setData({ reverifying: false })
      }
    },
    onLogin() {
      nav.toLogin('/pages/account/index')
    },
    onOpen() {
      nav.open('/pages/open/index')
    },
    onTopUp() {
      nav.open('/pages/move/index?kind=top_up')
    },
    onWithdraw() {
      nav.open('/pages/move/index?kind=withdraw')
    },
    onStatement() {
      nav.open('/pages/statement/index')
    },
    onDeposits() {
      nav.open('/pages/deposits/index')
    },
    onReceipts() {
      nav.open('/pages/receipts/index')
    },
  },
})
