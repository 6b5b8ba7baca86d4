// 购买存款: amount (from the Class II balance) → confirm with the trial and the amount in
// capital numerals → the secure PIN keypad → POST /deposits → the holding. The full
// deposit-insurance statement is on the purchase and the confirmation step.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { pinSheet, PIN_STATE } = require('../../lib/pin.js')
const { errorText } = require('../../shared/errors.js')
const { amountError, amountInWords, displayAmount, formatAmount, formatGrouped, formatRate, parseAmount, sanitizeAmountInput, toFen } = require('../../shared/money.js')
const { productAmountProblem } = require('../../shared/productRules.js')
const { amountErrorText, dateText, insuredStatement, productName, termText } = require('../../shared/m/format.js')

const ROUTE = 'pages/buy/index'

Component({
  behaviors: [page],
  data: {
    loading: true, error: '', needAccount: false, step: 'input', v: null, amount: '', problem: '',
    agreed: false, balance: '', confirm: null, trialLoading: false, done: null, pin: PIN_STATE,
  },
  methods: {
    labelKeys() {
      return {
        amountLabel: 'buy.amount', agree: 'buy.agree', next: 'common.next', payFrom: 'buy.payFrom', pinNote: 'buy.pinNote',
        rateLabel: 'product.rateLabel', term: 'product.term', minAmount: 'product.minAmount', interestAtMaturity: 'product.interestAtMaturity',
        maturityDate: 'product.maturityDate', confirm: 'buy.confirmPin', done: 'buy.done', receiptLater: 'buy.receiptLater',
        viewHolding: 'buy.viewHolding', needAccount: 'buy.needAccount', open: 'account.open', goTopUp: 'buy.goTopUp',
        retry: 'common.retry', edit: 'common.edit', placeholder: 'amount.placeholder', title: 'buy.title',
      }
    },
    titleKey() {
      return 'buy.title'
    },
    onLoad(query = {}) {
      this.code = decodeURIComponent(query.code || '')
      const amount = query.amount && !amountError(query.amount) ? query.amount : ''
      this.setData({ amount })
      this.sheet = pinSheet(this, { post: (b) => api.post('/deposits', b), onSuccess: (d, b) => this.bought(d, b) })
      this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    async load() {
      this.setData({ loading: true, error: '', needAccount: false })
      try {
        const [p, account] = await Promise.all([
          api.get(`/products/${encodeURIComponent(this.code)}`, { auth: false }),
          api.get('/account').catch((err) => (err.status === 404 ? null : Promise.reject(err))),
        ])
        this.product = p
        this.balanceFen = account ? toFen(account.balance) : null
        this.setData({
          loading: false,
          needAccount: !account,
          balance: account ? t('buy.balance', { amount: displayAmount(account.balance) }) : '',
          v: { name: productName(p), rate: formatRate(p.rate), term: termText(p.term_months), minAmount: `¥${displayAmount(p.min_amount)}`, statement: insuredStatement(p) },
        })
        if (this.data.amount) this.onAmount({ detail: this.data.amount })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    problemOf(amount) {
      if (!amount) return t('amount.errors.EMPTY')
      const code = amountError(amount)
      if (code) return amountErrorText(code)
      const fen = parseAmount(amount)
      const p = productAmountProblem(this.product, fen, t)
      if (p) return p
      if (this.balanceFen !== null && this.balanceFen !== undefined && fen > this.balanceFen) return t('buy.insufficient')
      return ''
    },
    onAmount(e) {
      const amount = sanitizeAmountInput(e.detail)
      this.setData({ amount, problem: amount ? this.problemOf(amount) : '' })
    },
    onAgree(e) {
      this.setData({ agreed: Boolean(e.detail) })
    },
    async onNext() {
      const problem = this.problemOf(this.data.amount)
      this.setData({ problem })
      if (problem || !this.data.agreed) return
      const fen = parseAmount(this.data.amount)
      this.setData({
        step: 'confirm', trialLoading: true,
        confirm: { amount: formatGrouped(fen), words: amountInWords(fen, { prefix: true }), interest: '—', maturity: '—' },
      })
      try {
        const trial = await api.get(`/products/${encodeURIComponent(this.code)}/trial`, { query: { amount: formatAmount(fen) }, auth: false })
        this.setData({ 'confirm.interest': `¥${displayAmount(trial.interest)}`, 'confirm.maturity': dateText(trial.maturity_date), trialLoading: false })
      } catch (err) {
        this.setData({ trialLoading: false }) // the trial informs; the purchase does not depend on it
      }
    },
    onEdit() {
      this.setData({ step: 'input' })
    },
    onConfirm() {
      this.sheet.open({ product_code: this.code, amount: formatAmount(parseAmount(this.data.amount)) })
    },
    onPin(e) {
      this.sheet.submit(e.detail.pin)
    },
    onPinClose() {
      this.sheet.close()
    },
    bought(data, body) {
      track('deposit_bought', { product_code: body.product_code, amount: body.amount })
      this.holdingId = data && data.id
      this.setData({ step: 'done', done: { amount: displayAmount(body.amount), maturity: dateText(data && data.maturity_date) } })
    },
    onViewHolding() {
      if (this.holdingId) wx.redirectTo({ url: `/pages/deposit/index?id=${this.holdingId}` })
    },
    onOpenAccount() {
      nav.open('/pages/account/index')
    },
    onTopUp() {
      nav.open('/pages/move/index?kind=top_up')
    },
  },
})
