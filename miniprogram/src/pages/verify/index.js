// 回单验真 (public, no login): by receipt number + verification code (GET /verify/receipt/{no}),
// or by the PDF itself chosen from a chat (wx.chooseMessageFile → POST /verify/receipt), which
// also checks the signature.
const page = require('../../lib/page.js')
const { api } = require('../../lib/request.js')
const { t, isZh } = require('../../lib/i18n.js')
const { track } = require('../../lib/tracker.js')
const { errorText } = require('../../shared/errors.js')
const { dateTimeText } = require('../../shared/m/format.js')
const { receiptRows } = require('../../shared/m/receiptFields.js')

const ROUTE = 'pages/verify/index'
const MAX_PDF_BYTES = 10 * 1024 * 1024

function verdict(report, method) {
  const found = method === 'code'
  return {
    genuine: report.genuine,
    title: report.genuine ? t(found ? 'verify.foundTitle' : 'verify.genuine') : t('verify.notGenuine'),
    sub: report.genuine ? t(found ? 'verify.foundSub' : 'verify.genuineSub') : t('verify.notGenuineSub'),
    receiptNo: report.receipt_no || '',
    signer: report.signer || '',
    signedAt: report.signed_at ? dateTimeText(report.signed_at) : '',
    rows: receiptRows(report.fields || {}),
    problems: (report.problems || []).map((p) => (typeof p === 'string' ? p : (isZh() ? p.message_zh : p.message) || p.code)),
  }
}

Component({
  behaviors: [page],
  data: { tab: 'code', receiptNo: '', code: '', noError: '', codeError: '', checking: false, v: null },
  methods: {
    labelKeys() {
      return {
        intro: 'verify.intro', byCode: 'verify.byCode', byPdf: 'verify.byPdf', no: 'verify.no', noPlaceholder: 'verify.noPlaceholder',
        code: 'verify.code', codePlaceholder: 'verify.codePlaceholder', check: 'verify.check', pdfHint: 'verify.pdfHint',
        pdfTip: 'verify.pdfTip', signer: 'verify.signer', signedAt: 'verify.signedAt', choosePdf: 'mp.verify.choosePdf',
      }
    },
    titleKey() {
      return 'verify.title'
    },
    onShow() {
      this.trackView(ROUTE)
    },
    onTab(e) {
      this.setData({ tab: e.currentTarget.dataset.tab, v: null })
    },
    onNo(e) {
      this.setData({ receiptNo: String(e.detail).trim().toUpperCase(), noError: '' })
    },
    onCode(e) {
      this.setData({ code: String(e.detail).trim().toUpperCase(), codeError: '' })
    },
    async onCheck() {
      const noError = this.data.receiptNo ? '' : t('verify.noRequired')
      const codeError = /^[0-9A-Z]{6}$/.test(this.data.code) ? '' : t('verify.codeInvalid')
      this.setData({ noError, codeError })
      if (noError || codeError || this.data.checking) return
      this.setData({ checking: true, v: null })
      try {
        const data = await api.get(`/verify/receipt/${encodeURIComponent(this.data.receiptNo)}`, { query: { code: this.data.code }, auth: false })
        this.setData({ v: verdict({ genuine: true, receipt_no: data.receipt_no, fields: data.fields }, 'code') }) // a 2xx: number and code match
        track('receipt_verified', { method: 'code', genuine: true })
      } catch (err) {
        if (err.status >= 400 && err.status < 500 && err.status !== 429) {
          this.setData({ v: verdict({ genuine: false, receipt_no: this.data.receiptNo, problems: [errorText(err)] }, 'code') })
          track('receipt_verified', { method: 'code', genuine: false })
        } else this.showError(err)
      } finally {
        this.setData({ checking: false })
      }
    },
    onChoosePdf() {
      wx.chooseMessageFile({
        count: 1,
        type: 'file',
        extension: ['pdf'],
        success: (res) => {
          const f = res.tempFiles && res.tempFiles[0]
          if (!f || !/\.pdf$/i.test(f.name || f.path || '')) return this.showError(t('verify.pdfOnly'))
          if (f.size > MAX_PDF_BYTES) return this.showError(t('verify.pdfTooBig'))
          return this.upload(f)
        },
      })
    },
    async upload(file) {
      this.setData({ checking: true, v: null })
      try {
        const report = await api.upload('/verify/receipt', {
          files: [{ name: 'file', filePath: file.path, filename: file.name || 'receipt.pdf', contentType: 'application/pdf' }],
        }, { auth: false, timeout: 60000 })
        this.setData({ v: verdict(report, 'pdf') })
        track('receipt_verified', { method: 'pdf', genuine: Boolean(report && report.genuine) })
      } catch (err) {
        if (err.status === 400 || err.status === 422) {
          this.setData({ v: verdict({ genuine: false, problems: [errorText(err)] }, 'pdf') })
          track('receipt_verified', { method: 'pdf', genuine: false })
        } else this.showError(err)
      } finally {
        this.setData({ checking: false })
      }
    },
  },
})
