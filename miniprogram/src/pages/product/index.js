// 产品详情: rate, term, rules and risk text, the full deposit-insurance statement, and the
// interest trial (收益试算, GET /products/{code}/trial) as the customer types an amount.
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const { api } = require('../../lib/request.js')
const { t, isZh } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { errorText } = require('../../shared/errors.js')
const { amountError, displayAmount, formatAmount, formatRate, parseAmount, sanitizeAmountInput } = require('../../shared/money.js')
const { productAmountProblem } = require('../../shared/productRules.js')
const { amountErrorText, dateText, enumText, insuredStatement, productName, termText } = require('../../shared/m/format.js')

const ROUTE = 'pages/product/index'
const TRIAL_DELAY_MS = 400

function view(p) {
  return {
    name: productName(p),
    kind: enumText('productKind', p.kind),
    rate: formatRate(p.rate),
    term: termText(p.term_months),
    minAmount: `¥${displayAmount(p.min_amount)}`,
    step: `¥${displayAmount(p.step_amount)}`,
    maxPerCustomer: p.max_per_customer ? `¥${displayAmount(p.max_per_customer)}` : '',
    quota: p.quota_left == null ? t('product.quotaUnlimited') : `¥${displayAmount(p.quota_left)}`,
    statement: insuredStatement(p),
    earlyRule: (isZh() && p.early_withdrawal_text) || t(p.allow_partial_withdrawal === false ? 'product.earlyRuleFullOnly' : 'product.earlyRuleText'),
    rollover: p.allow_rollover ? t('product.rolloverOffered') : t('product.rolloverNotOffered'),
    risk: p.risk_text || '',
    onSale: p.on_sale !== false,
  }
}

Component({
  behaviors: [page],
  data: { v: null, loading: true, error: '', amount: '', problem: '', trial: null, trialLoading: false, trialError: '' },
  methods: {
    labelKeys() {
      return {
        rateLabel: 'product.rateLabel', term: 'product.term', minAmount: 'product.minAmount', quotaLeft: 'product.quotaLeft',
        trial: 'product.trial', trialAmount: 'product.trialAmount', interestAtMaturity: 'product.interestAtMaturity',
        maturityDate: 'product.maturityDate', trialNote: 'product.trialNote', rules: 'product.rules', kind: 'product.kind',
        step: 'product.step', maxPerCustomer: 'product.maxPerCustomer', interestRule: 'product.interestRule',
        interestRuleText: 'product.interestRuleText', earlyRule: 'product.earlyRule', autoRollover: 'deposit.autoRollover',
        risk: 'product.risk', buyNow: 'product.buyNow', notOnSale: 'product.notOnSale', retry: 'common.retry',
        placeholder: 'amount.placeholder',
      }
    },
    titleKey() {
      return 'product.title'
    },
    onLoad(query = {}) {
      this.code = decodeURIComponent(query.code || '')
      this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onUnload() {
      clearTimeout(this.timer)
    },
    onLocale() {
      if (this.product) this.setData({ v: view(this.product) })
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const p = await api.get(`/products/${encodeURIComponent(this.code)}`, { auth: false })
        this.product = p
        const amount = this.data.amount || (p.min_amount ? formatAmount(parseAmount(String(p.min_amount))) : '')
        this.setData({ v: view(p), loading: false })
        this.onAmount({ detail: amount })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    onAmount(e) {
      const amount = sanitizeAmountInput(e.detail)
      const code = amount ? amountError(amount) : null
      const problem = !amount ? '' : code ? amountErrorText(code) : productAmountProblem(this.product, parseAmount(amount), t)
      this.setData({ amount, problem, trialError: '' })
      clearTimeout(this.timer)
      if (!amount || problem) {
        this.setData({ trial: null, trialLoading: false })
        return
      }
      this.setData({ trialLoading: true })
      this.timer = setTimeout(() => this.runTrial(formatAmount(parseAmount(amount))), TRIAL_DELAY_MS)
    },
    async runTrial(amount) {
      const mine = (this.seq = (this.seq || 0) + 1)
      try {
        const data = await api.get(`/products/${encodeURIComponent(this.code)}/trial`, { query: { amount }, auth: false })
        if (mine !== this.seq) return
        this.setData({ trial: { interest: `¥${displayAmount(data.interest)}`, maturity: dateText(data.maturity_date) }, trialLoading: false })
        track('trial_viewed', { product_code: this.code, amount })
      } catch (err) {
        if (mine === this.seq) this.setData({ trial: null, trialLoading: false, trialError: errorText(err) })
      }
    },
    onBuy() {
      const ok = this.data.amount && !this.data.problem
      const url = `/pages/buy/index?code=${encodeURIComponent(this.code)}${ok ? `&amount=${formatAmount(parseAmount(this.data.amount))}` : ''}`
      if (nav.requireLogin(url)) nav.open(url)
    },
  },
})
