// 充值 / 提现 (?kind=top_up|withdraw): between the Class II account and the bound card only
// (closed loop): amount → confirm → PIN → POST /account/top-up|withdraw (200, or 202 pending).
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { pinSheet, PIN_STATE } = require('../../lib/pin.js')
const { errorText } = require('../../shared/errors.js')
const { amountError, displayAmount, formatAmount, formatGrouped, parseAmount, sanitizeAmountInput, toFen } = require('../../shared/money.js')
const { amountErrorText } = require('../../shared/m/format.js')

const ROUTE = 'pages/move/index'

Component({
  behaviors: [page],
  data: { kind: 'top_up', loading: true, error: '', step: 'input', amount: '', problem: '', info: null, result: null, pin: PIN_STATE },
  methods: {
    labelKeys() {
      const k = this.data.kind
      return {
        title: `move.${k}.title`, amountLabel: `move.${k}.amountLabel`, done: `move.${k}.done`, from: 'move.from', to: 'move.to',
        all: 'move.all', closedLoop: 'move.closedLoop', confirm: 'move.confirmPin', newBalance: 'move.newBalance',
        back: 'move.backToAccount', pending: 'move.pending', pendingNote: 'move.pendingNote', orderNo: 'move.orderNo', serial: 'deposit.serial',
        next: 'common.next', edit: 'common.edit', retry: 'common.retry', placeholder: 'amount.placeholder',
        classII: 'account.classIIShort', boundCard: 'account.boundCard',
      }
    },
    titleKey() {
      return `move.${this.data.kind}.title`
    },
    onLoad(query = {}) {
      this.setData({ kind: query.kind === 'withdraw' ? 'withdraw' : 'top_up' })
      this.applyLabels()
      const path = this.data.kind === 'withdraw' ? '/account/withdraw' : '/account/top-up'
      this.sheet = pinSheet(this, { post: (b) => api.post(path, b), onSuccess: (d, b) => this.moved(d, b) })
      if (nav.requireLogin(`/pages/move/index?kind=${this.data.kind}`)) this.load()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const a = await api.get('/account')
        this.balanceFen = toFen(a.balance)
        const card = a.bound_card || {}
        const cardText = `${card.bank || ''} ${card.card_no_masked || ''}`.trim()
        const accountText = `${t('account.classIIShort')} ${a.account_no || ''}`.trim()
        const topUp = this.data.kind === 'top_up'
        this.setData({
          loading: false,
          info: { balance: t('move.available', { amount: displayAmount(a.balance) }), from: topUp ? cardText : accountText, to: topUp ? accountText : cardText },
        })
      } catch (err) {
        this.setData({ loading: false, error: errorText(err) })
      }
    },
    problemOf(amount) {
      const code = amountError(amount)
      if (code) return amountErrorText(code)
      if (this.data.kind === 'withdraw' && this.balanceFen !== null && parseAmount(amount) > this.balanceFen) return t('move.overBalance')
      return ''
    },
    onAmount(e) {
      const amount = sanitizeAmountInput(e.detail)
      this.setData({ amount, problem: amount ? this.problemOf(amount) : '' })
    },
    onAll() {
      if (this.balanceFen) this.onAmount({ detail: formatAmount(this.balanceFen) })
    },
    onNext() {
      const problem = this.problemOf(this.data.amount)
      this.setData({ problem })
      if (!problem) this.setData({ step: 'confirm', shown: formatGrouped(parseAmount(this.data.amount)) })
    },
    onEdit() {
      this.setData({ step: 'input' })
    },
    onConfirm() {
      this.sheet.open({ amount: formatAmount(parseAmount(this.data.amount)) })
    },
    onPin(e) {
      this.sheet.submit(e.detail.pin)
    },
    onPinClose() {
      this.sheet.close()
    },
    moved(data, body) {
      const pending = data && data.status === 'pending' // 202: the card network has not answered
      track(`${this.data.kind}_${pending ? 'pending' : 'succeeded'}`, { amount: body.amount })
      this.setData({
        step: 'done',
        result: { pending, amount: displayAmount(body.amount), balance: data && data.balance ? displayAmount(data.balance) : '', orderNo: (data && data.order_no) || '', serial: (data && data.transaction_serial) || '' },
      })
    },
    onBack() {
      nav.open('/pages/account/index')
    },
  },
})
