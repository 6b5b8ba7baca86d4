// 开立账户: remote account opening (e-KYC) as one page with a wizard inside, on the same API and
// step order as the H5 app (shared/m/onboarding.js): ID card front/back (camera or album) →
// confirm the recognised fields (with the document warnings) → the separate face-data consent →
// the action liveness with the `camera` component, one signed frame per action (face.js) → bind
// the card + SMS → agreements (and, when asked for, the proof of residence: residence.js) → the
// PIN twice → opened / review / rejected. The server keeps the application; leaving and coming
// back resumes it (GET /onboarding/current).
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const config = require('../../config.js')
const session = require('../../lib/session.js')
const onboarding = require('../../lib/onboarding.js')
const sandboxKit = require('../../lib/sandboxKit.js')
const { api } = require('../../lib/request.js')
const faceStep = require('./face.js')
const residence = require('./residence.js')
const { t } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { errorText } = require('../../shared/errors.js')
const { maskAccountNo, maskPhone } = require('../../shared/mask.js')
const o = require('../../shared/m/onboarding.js')
const { identityErrors, pinError, documentNotices } = require('./texts.js')

const ROUTE = 'pages/open/index'
const LOCAL_NEXT = { consent: 'face', agreements: 'pin' } // pages the server does not know
const SMS_INTERVAL_S = 60

function emptyForm() {
  return { name: '', idNumber: '', validFrom: '', validTo: '', longTerm: false, address: '' }
}

function choosePhoto(source, camera = 'back') {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1, mediaType: ['image'], sourceType: [source], sizeType: ['compressed'], camera,
      success: (res) => resolve(res.tempFiles[0].tempFilePath),
      fail: reject,
    })
  })
}

Component({
  behaviors: [page, faceStep, residence],
  data: {
    page: 'loading', error: '', sandbox: { available: false, items: [], picked: '' },
    idcard: { front: '', back: '', busy: false, bad: '', message: '' },
    form: emptyForm(), formErrors: {}, identityBusy: false, identityMessage: '', documentNotices: [],
    consent: { agreed: false, title: '', text: '', version: '' },
    card: { number: '', phone: '', code: '', sent: false, countdown: 0, sentTo: '', busy: false, message: '', cardError: '', phoneError: '', codeError: '' },
    terms: [], termsMessage: '',
    pinPhase: 1, pinError: '', pinBusy: false, pinReset: 0,
    result: null,
  },
  methods: {
    labelKeys() {
      return {
        startTitle: 'open.start.title', startSub: 'open.start.subtitle', needTitle: 'open.start.needTitle', need1: 'open.start.need1',
        need2: 'open.start.need2', need3: 'open.start.need3', time: 'open.start.time', startButton: 'open.start.button',
        step1: 'open.step1', step2: 'open.step2', step3: 'open.step3', step4: 'open.step4', hasAccount: 'open.hasAccount',
        toAccount: 'open.result.toAccount', retry: 'common.retry', next: 'common.next',
        sandboxTitle: 'open.sandbox.title', sandboxIntro: 'open.sandbox.intro', use: 'open.sandbox.use', inUse: 'open.sandbox.inUse',
        idTitle: 'open.idcard.title', idHint: 'open.idcard.hint', front: 'open.idcard.front', frontHint: 'open.idcard.frontHint',
        back: 'open.idcard.back', backHint: 'open.idcard.backHint', tip1: 'open.idcard.tip1', tip2: 'open.idcard.tip2',
        tip3: 'open.idcard.tip3', idSubmit: 'open.idcard.submit', reading: 'open.idcard.reading', camera: 'mp.open.camera',
        album: 'mp.open.album',
        identityTitle: 'open.identity.title', identityHint: 'open.identity.hint', name: 'open.identity.name',
        idNumber: 'open.identity.idNumber', validFrom: 'open.identity.validFrom', validTo: 'open.identity.validTo',
        longTerm: 'open.identity.longTerm', address: 'open.identity.address', checkNote: 'open.identity.checkNote',
        confirmIdentity: 'open.identity.confirm', retakeId: 'open.identity.retake',
        consentTitle: 'open.consent.title', consentHint: 'open.consent.hint', fact1: 'open.consent.fact1', fact2: 'open.consent.fact2',
        fact3: 'open.consent.fact3', accept: 'open.consent.accept',
        faceTitle: 'open.face.title', faceHint: 'open.face.hint', actionsTitle: 'open.face.actionsTitle', shoot: 'mp.open.shoot',
        faceSubmit: 'open.face.submit', checking: 'open.face.checking', cancel: 'open.face.cancelCamera',
        cardTitle: 'open.card.title', cardHint: 'open.card.hint', cardNumber: 'open.card.cardNumber', cardPlaceholder: 'open.card.cardPlaceholder',
        phone: 'open.card.phone', code: 'login.code', getCode: 'login.getCode', rule1: 'open.card.rule1', rule2: 'open.card.rule2',
        sandboxSms: 'login.sandboxSms',
        termsTitle: 'open.agreements.title', termsHint: 'open.agreements.hint', termsNext: 'open.agreements.next',
        termsVersions: 'open.agreements.versions',
        pinTitle: 'open.pin.title', pinHint: 'open.pin.hint', pinNote: 'open.pin.note',
        topUp: 'open.result.topUp', refresh: 'open.result.refresh', reasonsTitle: 'open.result.reasons', branch: 'open.result.branch',
        ...this.residenceLabels(),
      }
    },
    titleKey() {
      return 'open.title'
    },
    onLoad() {
      if (!nav.requireLogin('/pages/open/index')) return
      this.load()
      if (config.sandbox) this.probeSandbox()
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onUnload() {
      clearInterval(this.smsTimer)
      this.cancelled = true
    },

    // ---------------------------------------------------------------- where the application is
    pageFor(app) {
      return o.pageForApplication(app, { hasOcr: Boolean(this.ocrFor === (app && app.id)), consented: Boolean(this.consented) })
    },
    go(next) {
      this.setData({ page: next })
      wx.pageScrollTo({ scrollTop: 0, duration: 0 })
      if (next === 'consent' || next === 'agreements') this.loadTerms()
      if (next === 'face') this.loadChallenge()
      if (next === 'card' && !this.data.card.phone) this.setData({ 'card.phone': session.getPhone() })
      if (next === 'pin') this.setData({ pinPhase: 1, pinError: '', pinReset: this.data.pinReset + 1 })
    },
    async load() {
      this.setData({ page: 'loading', error: '' })
      try {
        this.app = await onboarding.current()
        this.residenceFrom(this.app)
        const next = this.pageFor(this.app)
        if (next === 'result') this.showResult({ status: this.app.status, reasons: (this.app.reasons || []).map((code) => ({ code })) })
        else {
          if (next !== 'start') track('onboarding_resumed', { status: this.app.status })
          this.go(next)
        }
      } catch (err) {
        if (err.status === 404) return this.whenNone()
        this.setData({ page: 'error', error: errorText(err) })
      }
      return null
    },
    async whenNone() {
      this.app = null
      try {
        await api.get('/account')
        this.setData({ page: 'has-account' })
      } catch (err) {
        if (err.status === 404) this.setData({ page: 'start' })
        else this.setData({ page: 'error', error: errorText(err) })
      }
    },
    /** A step is done: report it, take the server's status, show what comes next. */
    completed(pageKey, view, { stay = false } = {}) {
      track('onboarding_step_completed', { step: o.STEP_EVENT[pageKey] || pageKey })
      if (view && view.status && this.app) this.app = { ...this.app, status: view.status, next_step: view.next_step ?? null }
      if (!stay) this.go(LOCAL_NEXT[pageKey] || this.pageFor(this.app))
    },
    /** The application moved on or is gone: true when handled. */
    flowError(err) {
      if (o.isRestartError(err) || o.isOutOfStepError(err)) {
        this.showError(err)
        this.ocrFor = null
        this.load()
        return true
      }
      if (err && err.code === 'ACCOUNT_ALREADY_OPEN') {
        this.setData({ page: 'has-account' })
        return true
      }
      return false
    },
    async onStart() {
      if (this.starting) return
      this.starting = true
      try {
        const location = await this.startLocation()
        this.app = await onboarding.start(location ? { device_id: session.deviceId(), location } : { device_id: session.deviceId() })
        this.residenceFrom(this.app)
        track('account_open_started', { from: 'direct', location: Boolean(location) })
        this.go(this.pageFor(this.app))
      } catch (err) {
        if (!this.flowError(err)) this.showError(err)
      } finally {
        this.starting = false
      }
    },

    // ---------------------------------------------------------------- sandbox identities
    async probeSandbox() {
      try {
        const data = await sandboxKit.identities()
        this.identities = (data && data.items) || []
        this.setData({ sandbox: { available: true, items: this.identities.map((i) => ({ key: i.key, name: i.name, note: i.note_zh || '', phone: maskPhone(i.phone) })), picked: '' } })
      } catch (err) {
        this.setData({ 'sandbox.available': false })
      }
    },
    async onPickIdentity(e) {
      const ident = (this.identities || []).find((i) => i.key === e.currentTarget.dataset.key)
      if (!ident) return
      this.picked = ident
      this.setData({ 'sandbox.picked': ident.key, 'card.number': o.formatCardNumber(ident.card_number), 'card.phone': ident.phone })
      try {
        const photos = await sandboxKit.idCard(ident)
        this.setData({ 'idcard.front': photos.front, 'idcard.back': photos.back })
      } catch (err) {
        this.showError(err && err.code ? err : t('open.sandbox.loadingImages'))
      }
    },

    // ---------------------------------------------------------------- 1. ID card
    async onIdPhoto(e) {
      const { side, source } = e.currentTarget.dataset
      try {
        const path = await choosePhoto(source)
        this.setData({ [`idcard.${side}`]: path, 'idcard.bad': '', 'idcard.message': '' })
      } catch (err) {
        // the customer closed the picker
      }
    },
    async onIdSubmit() {
      const { front, back } = this.data.idcard
      if (!front || !back || this.data.idcard.busy) return
      this.setData({ 'idcard.busy': true, 'idcard.message': '' })
      try {
        const data = await onboarding.uploadIdCard(this.app.id, { front, back })
        this.ocrFor = this.app.id
        const warnings = data.warnings || []
        const numberDoubt = warnings.some((c) => String(c).startsWith('ID_NUMBER'))
        this.setData({ form: o.formFromOcr(data.fields || {}), formErrors: {}, identityMessage: numberDoubt ? t('open.identity.numberDoubt') : '', documentNotices: documentNotices(warnings) })
        this.completed('idcard', data)
      } catch (err) {
        if (!this.flowError(err)) this.setData({ 'idcard.bad': o.photoOfError(err), 'idcard.message': errorText(err) })
      } finally {
        this.setData({ 'idcard.busy': false })
      }
    },

    // ---------------------------------------------------------------- 2. confirm the fields
    onField(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [`form.${field}`]: String(e.detail), [`formErrors.${field === 'idNumber' ? 'id_number' : field}`]: '' })
    },
    onLongTerm(e) {
      this.setData({ 'form.longTerm': Boolean(e.detail), 'form.validTo': '' })
    },
    async onIdentity() {
      const problems = o.identityProblems(this.data.form)
      this.setData({ formErrors: identityErrors(problems) })
      if (o.hasProblems(problems) || this.data.identityBusy) return
      this.setData({ identityBusy: true, identityMessage: '' })
      try {
        const data = await onboarding.confirmIdentity(this.app.id, o.identityBody(this.data.form))
        this.setChallenge(data.challenge || null)
        this.completed('identity', data)
      } catch (err) {
        if (!this.flowError(err)) this.setData({ identityMessage: errorText(err) })
      } finally {
        this.setData({ identityBusy: false })
      }
    },
    onRetakeId() {
      this.go('idcard')
    },

    // ---------------------------------------------------------------- agreements (consent, submit)
    async loadTerms() {
      if (!this.terms) {
        try {
          this.terms = ((await onboarding.agreements()) || {}).items || []
        } catch (err) {
          this.setData({ termsMessage: errorText(err) })
          return
        }
      }
      const consent = this.terms.find((a) => a.id === 'face_data_consent') || {}
      const ticked = new Set(this.data.terms.filter((a) => a.accepted).map((a) => `${a.id}@${a.version}`)) // kept when sent back here
      this.setData({
        consent: { agreed: false, title: consent.title_zh || '', text: consent.text_zh || '', version: consent.version || '' },
        terms: o.agreementsAt(this.terms, 'submit').map((a) => ({ id: a.id, version: a.version, title: a.title_zh, text: a.text_zh, accepted: ticked.has(`${a.id}@${a.version}`) })),
      })
    },
    onConsentAgree(e) {
      this.setData({ 'consent.agreed': Boolean(e.detail) })
    },
    onConsent() {
      if (!this.data.consent.agreed) return
      this.consented = true
      this.completed('consent', null)
    },
    onTerm(e) {
      const i = this.data.terms.findIndex((a) => a.id === e.currentTarget.dataset.id)
      if (i >= 0) this.setData({ [`terms[${i}].accepted`]: Boolean(e.detail) })
    },
    onReadTerm(e) {
      const a = this.data.terms.find((x) => x.id === e.currentTarget.dataset.id)
      if (a) wx.showModal({ title: a.title, content: a.text, showCancel: false, confirmText: t('common.ok') })
    },
    onTermsNext() {
      const missing = this.proofMissing()
      if (missing || !this.data.terms.length || !this.data.terms.every((a) => a.accepted)) {
        this.setData({ termsMessage: missing || t('open.agreements.tickAll') })
        return
      }
      this.completed('agreements', null)
    },

    // 3. liveness: face.js

    // ---------------------------------------------------------------- 4. bind the card
    onCardInput(e) {
      this.setData({ 'card.number': o.formatCardNumber(e.detail), 'card.cardError': '' })
    },
    onCardPhone(e) {
      this.setData({ 'card.phone': String(e.detail).replace(/\D/g, '').slice(0, 11), 'card.phoneError': '' })
    },
    onCardCode(e) {
      this.setData({ 'card.code': String(e.detail).replace(/\D/g, '').slice(0, 6), 'card.codeError': '' })
    },
    /** Five-element check + the SMS to the reserved phone. No countdown before it is asked for:
     * the card's code is limited on its own, never by the login code. */
    async onSendCardCode() {
      const c = this.data.card
      if (c.busy || c.countdown > 0) return
      const cardBad = o.cardNumberProblem(c.number)
      const cardError = cardBad ? t(`open.card.err.${cardBad === 'LENGTH' ? 'length' : 'checksum'}`) : ''
      const phoneError = o.phoneProblem(c.phone) ? t('open.card.err.phone') : ''
      this.setData({ 'card.cardError': cardError, 'card.phoneError': phoneError })
      if (cardError || phoneError) return
      this.setData({ 'card.busy': true, 'card.message': '' })
      try {
        const data = await onboarding.bindCard(this.app.id, { card_number: o.cardDigits(c.number), phone: c.phone })
        this.setData({ 'card.sent': true, 'card.sentTo': t('open.card.sentTo', { phone: data.sms_sent_to || maskPhone(c.phone) }) })
        this.startSmsCountdown()
        this.completed('cardSent', data, { stay: true })
      } catch (err) {
        if (err.code === 'SMS_TOO_FREQUENT') {
          this.startSmsCountdown()
          this.setData({ 'card.message': t('open.card.tooFrequent') })
        } else if (!this.flowError(err)) this.setData({ 'card.message': errorText(err) })
      } finally {
        this.setData({ 'card.busy': false })
      }
    },
    startSmsCountdown() {
      clearInterval(this.smsTimer)
      let left = SMS_INTERVAL_S
      this.setData({ 'card.countdown': left })
      this.smsTimer = setInterval(() => {
        left -= 1
        this.setData({ 'card.countdown': left })
        if (left <= 0) clearInterval(this.smsTimer)
      }, 1000)
    },
    async onSandboxCardSms() {
      try {
        const msg = await api.get(`/sandbox/sms/${this.data.card.phone}`, { auth: false })
        this.setData({ 'card.code': msg.code || '' })
      } catch (err) {
        this.setData({ 'card.message': t('login.sandboxEmpty') })
      }
    },
    async onCardConfirm() {
      const c = this.data.card
      if (!c.sent) {
        this.setData({ 'card.message': t('open.card.sendFirst') })
        return
      }
      if (o.smsCodeProblem(c.code)) {
        this.setData({ 'card.codeError': t('open.card.err.code') })
        return
      }
      this.setData({ 'card.busy': true, 'card.message': '' })
      try {
        const data = await onboarding.confirmCard(this.app.id, c.code)
        clearInterval(this.smsTimer)
        this.completed('card', data)
      } catch (err) {
        if (!this.flowError(err)) this.setData({ 'card.message': errorText(err) })
      } finally {
        this.setData({ 'card.busy': false })
      }
    },

    // ---------------------------------------------------------------- 5. the PIN twice, submit
    async onPin(e) {
      const pin = e.detail.pin
      if (this.data.pinPhase === 1) {
        const problem = o.pinProblem(pin, o.birthDateOf(this.data.form.idNumber))
        if (problem) {
          this.setData({ pinError: pinError(problem), pinReset: this.data.pinReset + 1 })
          return
        }
        this.firstPin = pin
        this.setData({ pinPhase: 2, pinError: '', pinReset: this.data.pinReset + 1 })
        return
      }
      if (pin !== this.firstPin) {
        this.firstPin = null
        this.setData({ pinPhase: 1, pinError: t('open.pin.err.mismatch'), pinReset: this.data.pinReset + 1 })
        return
      }
      this.setData({ pinBusy: true, pinError: '' })
      try {
        const accepted = {}
        for (const a of this.data.terms) accepted[a.id] = a.accepted
        const result = await onboarding.submit(this.app.id, { pin, agreements: o.acceptedBody(this.terms || [], accepted) })
        this.firstPin = null
        track('onboarding_step_completed', { step: o.STEP_EVENT.pin })
        track('onboarding_submitted', { outcome: result.status })
        if (result.status === 'opened') track('account_opened', { via: 'ekyc' })
        this.showResult(result)
      } catch (err) {
        this.firstPin = null
        if (err.code === 'RESIDENCE_PROOF_REQUIRED') this.proofRequired(err)
        else if (!this.flowError(err)) this.setData({ pinPhase: 1, pinError: errorText(err), pinReset: this.data.pinReset + 1 })
      } finally {
        this.setData({ pinBusy: false })
      }
    },
    onPinClose() {
      this.firstPin = null
      this.setData({ pinPhase: 1, pinReset: this.data.pinReset + 1 })
    },
    showResult(result) {
      const kind = o.resultKind(result.status)
      const reasons = (result.reasons || []).map((r) => (r.message_zh || t(`openReason.${r.code}`)))
      this.setData({
        page: 'result',
        result: {
          kind, title: t(`open.result.${kind}Title`), text: t(`open.result.${kind}Text`),
          accountNo: result.account_no ? maskAccountNo(result.account_no) : '', reasons,
        },
      })
    },
    onTopUp() {
      wx.redirectTo({ url: '/pages/move/index?kind=top_up' })
    },
    onToAccount() {
      nav.open('/pages/account/index')
    },
  },
})
