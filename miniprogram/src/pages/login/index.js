// 登录: WeChat login (wx.login → POST /auth/wechat); a WeChat user the bank does not know yet
// links a phone number with WeChat's phone button, or with an SMS code (POST /auth/wechat/phone).
// On a sandbox server the codes come from the simulated WeChat (lib/auth.js).
const page = require('../../lib/page.js')
const nav = require('../../lib/nav.js')
const auth = require('../../lib/auth.js')
const config = require('../../config.js')
const session = require('../../lib/session.js')
const { api } = require('../../lib/request.js')
const { t } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { errorText } = require('../../shared/errors.js')
const { phoneProblem, smsCodeProblem } = require('../../shared/m/onboarding.js')

const ROUTE = 'pages/login/index'
const SMS_INTERVAL_S = 60

Component({
  behaviors: [page],
  data: {
    step: 'wechat', // wechat | phone
    sandbox: config.sandbox,
    busy: false,
    error: '',
    phone: '',
    code: '',
    phoneError: '',
    codeError: '',
    countdown: 0,
    codeButton: '',
    useSms: false,
  },
  methods: {
    labelKeys() {
      return {
        heading: 'mp.login.heading', subheading: 'mp.login.subheading', wechat: 'mp.login.wechat',
        sandboxNote: 'mp.login.sandboxNote', phoneTitle: 'mp.login.phoneTitle', phoneHint: 'mp.login.phoneHint',
        phoneButton: 'mp.login.phoneButton', sandboxPhone: 'mp.login.sandboxPhone',
        sandboxPhoneHint: 'mp.login.sandboxPhoneHint', useSms: 'mp.login.useSms', smsSubmit: 'mp.login.smsSubmit',
        restart: 'mp.login.restart', phone: 'login.phone', phonePlaceholder: 'login.phonePlaceholder',
        code: 'login.code', codePlaceholder: 'login.codePlaceholder', sandboxSms: 'login.sandboxSms',
        agreement: 'login.agreement',
      }
    },
    titleKey() {
      return 'login.title'
    },
    onLoad(query = {}) {
      this.redirect = query.redirect ? decodeURIComponent(query.redirect) : ''
      this.setData({ codeButton: t('login.getCode') })
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onUnload() {
      clearInterval(this.timer)
    },
    done(result, method) {
      track('login_succeeded', { method })
      wx.showToast({ title: result.linked ? t('mp.login.linked') : t('login.welcome'), icon: 'success' })
      nav.afterLogin(this.redirect)
    },
    async onWeChat() {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        const result = await auth.loginWithWeChat()
        if (result.needsPhone) {
          this.wechatSession = result.wechatSession
          this.setData({ step: 'phone', busy: false })
          return
        }
        this.setData({ busy: false })
        this.done(result, 'wechat')
      } catch (err) {
        this.setData({ busy: false, error: errorText(err) })
      }
    },
    /** open-type="getPhoneNumber": e.detail.code, or no code when the customer declined. */
    async onPhoneNumber(e) {
      const phoneCode = e && e.detail && e.detail.code
      if (!phoneCode) {
        this.setData({ useSms: true, error: t('mp.login.phoneDenied') })
        return
      }
      await this.bind(() => auth.bindWithPhoneCode(this.wechatSession, phoneCode), 'wechat_phone')
    },
    async onSandboxPhone() {
      if (this.checkPhone()) return
      const phone = this.data.phone
      await this.bind(async () => {
        const phoneCode = await auth.sandboxPhoneCode(phone)
        const result = await auth.bindWithPhoneCode(this.wechatSession, phoneCode)
        session.setPhone(phone)
        return result
      }, 'wechat_phone')
    },
    async bind(call, method) {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        const result = await call()
        this.setData({ busy: false })
        this.done(result, method)
      } catch (err) {
        const expired = err && err.code === 'WECHAT_SESSION_INVALID'
        this.setData({ busy: false, error: errorText(err), step: expired ? 'wechat' : this.data.step })
      }
    },
    onUseSms() {
      this.setData({ useSms: true, error: '' })
    },
    onPhoneInput(e) {
      this.setData({ phone: String(e.detail).replace(/\D/g, '').slice(0, 11), phoneError: '' })
    },
    onCodeInput(e) {
      this.setData({ code: String(e.detail).replace(/\D/g, '').slice(0, 6), codeError: '' })
    },
    checkPhone() {
      const bad = phoneProblem(this.data.phone)
      this.setData({ phoneError: bad ? t('login.phoneInvalid') : '' })
      return bad
    },
    async onSendCode() {
      if (this.data.countdown > 0 || this.checkPhone()) return
      try {
        await api.post('/auth/sms-code', { phone: this.data.phone, device_id: session.deviceId() }, { auth: false })
        track('otp_requested', { via: 'sms' })
        wx.showToast({ title: t('login.codeSent'), icon: 'none' })
        this.startCountdown(SMS_INTERVAL_S)
      } catch (err) {
        if (err.code === 'SMS_TOO_FREQUENT') this.startCountdown(SMS_INTERVAL_S)
        this.setData({ error: errorText(err) })
      }
    },
    startCountdown(seconds) {
      clearInterval(this.timer)
      const tick = (left) => this.setData({
        countdown: left,
        codeButton: left > 0 ? t('login.resendIn', { s: left }) : t('login.getCode'),
      })
      let left = seconds
      tick(left)
      this.timer = setInterval(() => {
        left -= 1
        tick(left)
        if (left <= 0) clearInterval(this.timer)
      }, 1000)
    },
    async onSandboxSms() {
      try {
        const msg = await api.get(`/sandbox/sms/${this.data.phone}`, { auth: false })
        this.setData({ code: msg.code || '' })
      } catch (err) {
        this.setData({ error: t('login.sandboxEmpty') })
      }
    },
    async onSmsSubmit() {
      const phoneBad = this.checkPhone()
      const codeBad = smsCodeProblem(this.data.code)
      this.setData({ codeError: codeBad ? t('login.codeInvalid') : '' })
      if (phoneBad || codeBad) return
      await this.bind(() => auth.bindWithSms(this.wechatSession, this.data.phone, this.data.code), 'wechat_sms')
    },
    onRestart() {
      this.wechatSession = null
      this.setData({ step: 'wechat', error: '', useSms: false })
    },
  },
})
