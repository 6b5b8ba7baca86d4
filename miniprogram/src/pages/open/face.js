// The liveness step of 开立账户 (a Behavior of pages/open): the challenge, the guided capture
// with the `camera` component (a frontal selfie, then one frame per action, each after its
// prompt), or the sandbox's own face kit for this challenge; then one upload with every picture
// signed for the challenge (lib/onboarding.js uploadFace). After a refusal every picture is taken
// again, for the next challenge (pictures already sent are refused as a replay). The capture
// (lib/faceCapture.js guidedCapture) and the upload (lib/faceUpload.js) are shared with the
// face-verify component (a money call's face step-up, the re-verification of a dormant account).
const onboarding = require('../../lib/onboarding.js')
const sandboxKit = require('../../lib/sandboxKit.js')
const { guidedCapture, photosMirrored, sinceChallenge } = require('../../lib/faceCapture.js')
const { t } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { randomInt } = require('../../shared/ids.js')
const { prompt, actionLabel } = require('./texts.js')

const CAPTURE_DELAY_S = 3
const RENEW_BEFORE_MS = 15000 // a challenge about to expire is replaced before the camera starts

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

module.exports = Behavior({
  data: {
    face: { actions: [], selfie: '', frames: [], capturing: false, prompt: '', countdown: 0, busy: false, message: '' },
  },
  methods: {
    /** A challenge arrived (identity answer, GET …/face/challenge, or a refusal's next one). */
    setChallenge(ch) {
      this.challenge = ch || null
      this.challengeAt = ch ? Date.now() : 0 // the pictures' `t` count from here
      this.shots = null
    },
    async loadChallenge(message = '') {
      const expired = (ch) => !ch || (ch.expires_at && new Date(ch.expires_at).getTime() - Date.now() < RENEW_BEFORE_MS)
      try {
        if (expired(this.challenge)) this.setChallenge(await onboarding.challenge(this.app.id))
        const actions = this.challenge.actions || []
        this.shots = null
        this.setData({ face: { ...this.data.face, actions: actions.map((a) => ({ key: a, label: actionLabel(a), done: false })), selfie: '', frames: [], message } })
      } catch (err) {
        if (!this.flowError(err)) this.setData({ 'face.message': errorText(err) })
      }
    },
    /** The pictures to send: paths, `t` of each (ms after the challenge arrived), mirrored or not. */
    keepShots(paths, times, mirrored) {
      this.shots = { times, mirrored }
      this.setData({
        'face.selfie': paths[0], 'face.frames': paths.slice(1), 'face.capturing': false, 'face.prompt': '',
        'face.actions': this.data.face.actions.map((a) => ({ ...a, done: true })),
      })
    },
    /** Guided capture: a frontal selfie, then one frame per action, each after its prompt. */
    async onCapture() {
      if (this.data.face.capturing || !this.challenge) return
      this.setData({ 'face.capturing': true, 'face.message': '' })
      await sleep(600) // the camera component starts
      let got
      try {
        got = await guidedCapture(wx.createCameraContext(), ['selfie', ...this.challenge.actions], {
          delayS: CAPTURE_DELAY_S,
          onPrompt: (step, s) => this.setData({ 'face.prompt': prompt(step), 'face.countdown': s }),
          cancelled: () => this.cancelled || !this.data.face.capturing,
        })
      } catch (err) {
        this.setData({ 'face.capturing': false, 'face.message': t('mp.open.cameraDenied') })
        return
      }
      if (got) this.keepShots(got.paths, got.ats.map((at) => sinceChallenge(this.challengeAt, at)), photosMirrored())
    },
    onCancelCapture() {
      this.setData({ 'face.capturing': false, 'face.prompt': '' })
    },
    onCameraError() {
      this.setData({ 'face.capturing': false, 'face.message': t('mp.open.cameraDenied') })
    },
    /** The sandbox's kit signed for this challenge: its files go byte for byte, not mirrored. */
    async onSandboxFace() {
      if (!this.picked || !this.challenge) return
      try {
        const kit = await sandboxKit.faceKit(this.picked, this.challenge, randomInt(1000000))
        const at = sinceChallenge(this.challengeAt)
        this.keepShots([kit.selfie, ...kit.frames], [kit.selfie, ...kit.frames].map(() => at), false)
      } catch (err) {
        this.setData({ 'face.message': errorText(err) })
      }
    },
    async onFaceSubmit() {
      const f = this.data.face
      if (!f.selfie || !this.challenge || f.frames.length !== this.challenge.actions.length || f.busy) return
      this.setData({ 'face.busy': true, 'face.message': '' })
      const shots = this.shots || { times: [], mirrored: false }
      try {
        const data = await onboarding.uploadFace(this.app.id, {
          selfie: f.selfie, frames: f.frames, times: shots.times, mirrored: shots.mirrored,
          challenge: this.challenge, consentVersion: this.data.consent.version,
        })
        this.setChallenge(null)
        this.completed('face', data)
      } catch (err) {
        if (err.code === 'FACE_CONSENT_REQUIRED') {
          this.consented = false
          this.go('consent')
        } else if (!this.flowError(err)) {
          const next = err.details && err.details.challenge
          if (next) this.setChallenge(next) // a failed attempt answers with the next challenge
          this.loadChallenge(errorText(err)) // new photos for it, the sentence stays
        }
      } finally {
        this.setData({ 'face.busy': false })
      }
    },
  },
})
