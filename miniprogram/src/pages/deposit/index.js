// 存单详情 (?id=): the holding's facts, the rollover switch (PUT /deposits/{id}/maturity), and
// withdrawal: full, or one partial early withdrawal, with the trial (withdrawal-trial) and the
// PIN. Nothing is preselected: after a withdrawal the customer chooses again, or not at all.
const page = require('../../lib/page.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { pinSheet, PIN_STATE } = require('../../lib/pin.js')
const { errorText } = require('../../shared/errors.js')
const { amountError, displayAmount, formatAmount, formatGrouped, formatRate, parseAmount, sanitizeAmountInput, toFen } = require('../../shared/money.js')
const { amountErrorText, dateText, enumText, insuredStatement, productName, yesNo } = require('../../shared/m/format.js')

const ROUTE = 'pages/deposit/index'
const TRIAL_DELAY_MS = 400

function holdingView(h, product) {
  return {
    name: productName(product) || productName(h), status: enumText('holdingStatus', h.status),
    principal: displayAmount(h.principal), rate: `${formatRate(h.rate)}%`, accrued: `¥${displayAmount(h.accrued_interest)}`,
    start: dateText(h.start_date), maturity: dateText(h.maturity_date), id: h.certificate_no || h.id,
    atMaturity: h.interest_at_maturity ? `¥${displayAmount(h.interest_at_maturity)}` : '',
    partialDone: yesNo(h.partial_withdrawn),
    active: h.status === 'active', rolloverOffered: h.allow_rollover !== false, autoRollover: Boolean(h.auto_rollover),
    partialAllowed: !h.partial_withdrawn && h.allow_partial_withdrawal !== false,
    partialNote: h.partial_withdrawn ? t('deposit.partialUsed') : h.allow_partial_withdrawal === false ? t('deposit.partialNotOffered') : '',
  }
}

Component({
  behaviors: [page],
  data: {
    loading: true, error: '', h: null, statement: '', mode: '', amount: '', problem: '', trial: null, trialLoading: false,
    trialError: '', result: null, saving: false, pin: PIN_STATE, pinAmount: '',
  },
  methods: {
    labelKeys() {
      return {
        principal: 'deposit.principal', rateLabel: 'product.rateLabel', accrued: 'deposit.accrued', maturityDate: 'product.maturityDate',
        id: 'deposit.id', startDate: 'deposit.startDate', atMaturity: 'product.interestAtMaturity', partialDone: 'deposit.partialDone',
        autoRollover: 'deposit.autoRollover', rolloverOnHint: 'deposit.rolloverOnHint', rolloverOffHint: 'deposit.rolloverOffHint',
        withdrawTitle: 'deposit.withdrawTitle', full: 'deposit.full', partial: 'deposit.partial', partialAmount: 'deposit.partialAmount',
        partialHint: 'deposit.partialHint', chooseMode: 'deposit.chooseMode', earlyWarning: 'deposit.earlyWarning',
        withdrawAmount: 'deposit.withdrawAmount', trialInterest: 'deposit.trialInterest', rateApplied: 'deposit.rateApplied',
        days: 'deposit.days', withdrawFull: 'deposit.withdrawFull', withdrawPartial: 'deposit.withdrawPartial',
        pinNote: 'deposit.pinNote', withdrawDone: 'deposit.withdrawDone', retry: 'common.retry', placeholder: 'amount.placeholder',
      }
    },
    titleKey() {
      return 'deposit.title'
    },
    onLoad(query = {}) {
      this.id = String(query.id || '')
      this.path = `/deposits/${encodeURIComponent(this.id)}`
      this.sheet = pinSheet(this, { post: (b) => api.post(`${this.path}/withdraw`, b), onSuccess: (d, b) => this.withdrawn(d, b) })
      this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onUnload() {
      clearTimeout(this.timer)
    },
    async load() {
      this.setData({ loading: !this.holding, error: '' })
      try {
        this.holding = await api.get(this.path)
        if (!this.product && this.holding.product_code) {
          this.product = await api.get(`/products/${encodeURIComponent(this.holding.product_code)}`, { auth: false }).catch(() => null)
        }
        this.setData({ loading: false, h: holdingView(this.holding, this.product), statement: insuredStatement(this.product) })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    async onRollover(e) {
      const value = Boolean(e.detail)
      if (this.data.saving) return
      this.setData({ saving: true })
      try {
        await api.put(`${this.path}/maturity`, { auto_rollover: value })
        this.holding = { ...this.holding, auto_rollover: value }
        this.setData({ h: holdingView(this.holding, this.product) })
        wx.showToast({ title: value ? t('deposit.rolloverOn') : t('deposit.rolloverOff'), icon: 'none' })
      } catch (err) {
        this.showError(err)
      } finally {
        this.setData({ saving: false })
      }
    },
    onMode(e) {
      const mode = e.detail === 'partial' && !this.data.h.partialAllowed ? this.data.mode : e.detail
      this.setData({ mode, amount: mode === 'partial' ? this.data.amount : '', problem: '' })
      this.retrial()
    },
    onPickMode(e) {
      this.onMode({ detail: e.currentTarget.dataset.mode })
    },
    onAmount(e) {
      const amount = sanitizeAmountInput(e.detail)
      let problem = ''
      if (amount) {
        const code = amountError(amount)
        problem = code ? amountErrorText(code) : parseAmount(amount) >= toFen(this.holding.principal) ? t('deposit.partialTooBig') : ''
      }
      this.setData({ amount, problem })
      this.retrial()
    },
    /** fen to withdraw, or null when nothing valid is chosen. */
    withdrawFen() {
      if (this.data.mode === 'full') return toFen(this.holding.principal)
      if (this.data.mode === 'partial' && this.data.amount && !this.data.problem) return parseAmount(this.data.amount)
      return null
    },
    retrial() {
      clearTimeout(this.timer)
      const fen = this.withdrawFen()
      this.setData({ trial: null, trialError: '', trialLoading: fen !== null, pinAmount: fen === null ? '' : formatGrouped(fen) })
      if (fen === null || !this.data.h.active) return
      this.timer = setTimeout(() => this.runTrial(), TRIAL_DELAY_MS)
    },
    async runTrial() {
      const mine = (this.seq = (this.seq || 0) + 1)
      const query = this.data.mode === 'partial' ? { amount: formatAmount(this.withdrawFen()) } : {}
      try {
        const d = await api.get(`${this.path}/withdrawal-trial`, { query })
        if (mine !== this.seq) return
        this.setData({ trialLoading: false, trial: { early: d.early, amount: `¥${displayAmount(d.amount)}`, interest: `¥${displayAmount(d.interest)}`, rate: `${formatRate(d.rate_applied)}%`, days: d.days } })
      } catch (err) {
        if (mine === this.seq) this.setData({ trialLoading: false, trialError: errorText(err) })
      }
    },
    onWithdraw() {
      const fen = this.withdrawFen()
      if (fen === null) return
      this.sheet.open(this.data.mode === 'partial' ? { amount: formatAmount(fen) } : {})
    },
    onPin(e) {
      this.sheet.submit(e.detail.pin)
    },
    onPinClose() {
      this.sheet.close()
    },
    async withdrawn(data, body) {
      track('deposit_withdrawn', { holding_id: this.id, partial: Boolean(body.amount) })
      const d = data || {}
      this.setData({
        mode: '', amount: '', trial: null, pinAmount: '', // nothing stays chosen
        result: { amount: displayAmount(d.amount || body.amount || this.holding.principal), interest: d.interest ? `¥${displayAmount(d.interest)}` : '' },
      })
      await this.load()
      wx.pageScrollTo({ scrollTop: 0, duration: 200 })
    },
  },
})
