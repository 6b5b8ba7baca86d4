// The local-customer evidence of 开立账户 (a Behavior of pages/open), as in the H5 app: the
// optional location sharing (on the start page, sent with the application; or later on the
// agreements page, PUT …/location) and the proof of residence the server asks for when an ID
// issued outside the service area is located inside it (submit → RESIDENCE_PROOF_REQUIRED →
// POST …/residence-proof → submit again, for staff review). identity/docs.md "Rules".
const onboarding = require('../../lib/onboarding.js')
const { t } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')

const KINDS = ['residence_permit', 'social_insurance', 'tax_record', 'work_certificate']

/** The device location with the customer's consent, {lat, lon, accuracy_m}, or null. */
function currentLocation() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'wgs84', // what the server's service-area box is drawn in (the H5 app's GPS too)
      success: (res) => resolve({
        lat: res.latitude, lon: res.longitude, accuracy_m: Math.min(100000, Math.round(res.accuracy || 0)),
      }),
      fail: () => resolve(null), // refused, or no fix: the application goes on without it
    })
  })
}

function choosePhoto(source) {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1, mediaType: ['image'], sourceType: [source], sizeType: ['compressed'], camera: 'back',
      success: (res) => resolve(res.tempFiles[0].tempFilePath),
      fail: reject,
    })
  })
}

module.exports = Behavior({
  data: {
    location: { share: false, shared: false, busy: false, message: '' },
    proof: { needed: false, sent: false, kind: KINDS[0], kinds: [], file: '', busy: false, message: '' },
  },
  methods: {
    residenceLabels() {
      return { locationOptIn: 'open.start.location', locationShared: 'mp.open.locationShared', proofTitle: 'open.proof.title',
        proofText: 'open.proof.text', proofPhoto: 'open.proof.photo', proofSend: 'open.proof.send', proofSent: 'open.proof.sent' }
    },
    /** Where the application stands on residence (a resumed one may have its proof already). */
    residenceFrom(app) {
      const kinds = KINDS.map((key) => ({ key, label: t(`open.proof.${key}`) }))
      this.setData({ 'proof.kinds': kinds, 'proof.sent': Boolean(app && app.residence_proof) })
    },
    onLocationOptIn(e) {
      this.setData({ 'location.share': Boolean(e.detail), 'location.message': '' })
    },
    /** The start body's `location`, when the customer ticked the box and the phone gave one. */
    async startLocation() {
      if (!this.data.location.share) return null
      const loc = await currentLocation()
      this.setData({ 'location.shared': Boolean(loc) })
      return loc
    },
    /** Share the location later (agreements page): PUT …/location. */
    async onShareLocationNow(e) {
      if (e && e.detail === false) return
      if (this.data.location.busy || this.data.location.shared || !this.app) return
      this.setData({ 'location.busy': true, 'location.message': '' })
      try {
        const loc = await currentLocation()
        if (!loc) {
          this.setData({ 'location.message': t('mp.open.locationFailed') })
          return
        }
        await onboarding.updateLocation(this.app.id, loc)
        this.setData({ 'location.shared': true, 'location.share': true })
      } catch (err) {
        if (!this.flowError(err)) this.setData({ 'location.message': errorText(err) })
      } finally {
        this.setData({ 'location.busy': false })
      }
    },
    /** submit answered RESIDENCE_PROOF_REQUIRED: back to the agreements page with the proof card. */
    proofRequired(err) {
      this.setData({ 'proof.needed': true, 'proof.sent': false, termsMessage: errorText(err) })
      this.go('agreements')
    },
    onProofKind(e) {
      const kind = e.currentTarget.dataset.kind
      if (KINDS.includes(kind)) this.setData({ 'proof.kind': kind })
    },
    async onProofPhoto(e) {
      try {
        const file = await choosePhoto(e.currentTarget.dataset.source)
        this.setData({ 'proof.file': file, 'proof.message': '' })
      } catch (err) {
        // the customer closed the picker
      }
    },
    async onProofSend() {
      const p = this.data.proof
      if (!p.file || p.busy || !this.app) return
      this.setData({ 'proof.busy': true, 'proof.message': '' })
      try {
        await onboarding.uploadResidenceProof(this.app.id, { file: p.file, kind: p.kind })
        this.setData({ 'proof.sent': true, termsMessage: '' })
      } catch (err) {
        if (!this.flowError(err)) this.setData({ 'proof.message': errorText(err) })
      } finally {
        this.setData({ 'proof.busy': false })
      }
    },
    /** '' when the agreements page may move on as far as residence goes, else the sentence. */
    proofMissing() {
      return this.data.proof.needed && !this.data.proof.sent ? t('open.proof.needed') : ''
    },
  },
})
