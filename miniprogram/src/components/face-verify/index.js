// The face sheet of the mini-program: a money call's face step-up, or the re-verification of an
// account suspended for inactivity (lib/stepUp.js drives it with the shared loop,
// shared/m/stepUpFace.js). The pictures are taken as onboarding's face step takes them: the
// `camera` component's guided capture (lib/faceCapture.js guidedCapture) or, in the sandbox,
// the face kit of the identity logged in with, signed for the challenge (lib/sandboxKit.js).
//
// capture(challenge, refusal) → a Promise of {selfie, frames, times, mirrored}, or null when the
// customer closes the sheet; the refusal's sentence is shown above the new challenge.
const config = require('../../config.js')
const session = require('../../lib/session.js')
const sandboxKit = require('../../lib/sandboxKit.js')
const { guidedCapture, photosMirrored, sinceChallenge } = require('../../lib/faceCapture.js')
const { t } = require('../../lib/i18n.js')
const { errorText } = require('../../shared/errors.js')
const { randomInt } = require('../../shared/ids.js')
const { refusalSentence } = require('../../shared/m/stepUpFace.js')
const { prompt, actionLabel } = require('../../pages/open/texts.js')

const CAPTURE_DELAY_S = 3

let people = null // the sandbox's identities, once asked

async function sandboxIdentity() {
  if (!config.sandbox) return null
  if (people === null) {
    try {
      people = ((await sandboxKit.identities()) || {}).items || []
    } catch (e) {
      people = []
    }
  }
  const phone = session.getPhone()
  return people.find((p) => p.phone && p.phone === phone) || null
}

Component({
  data: {
    show: false, mode: 'step_up', L: {}, actions: [], selfie: '', frames: [], capturing: false,
    prompt: '', countdown: 0, busy: false, loading: false, message: '', sandboxName: '',
  },
  lifetimes: {
    detached() {
      this.answer(null)
    },
  },
  methods: {
    /** Open the sheet (`mode`: step_up | reactivate) while its challenge is fetched. */
    begin(mode = 'step_up') {
      const re = mode === 'reactivate'
      this.ident = null
      this.setData({
        show: true, mode, loading: true, busy: false, message: '', actions: [], selfie: '', frames: [], sandboxName: '',
        L: {
          title: t(re ? 'faceVerify.reactivateTitle' : 'faceVerify.stepUpTitle'),
          intro: t(re ? 'faceVerify.reactivateIntro' : 'faceVerify.stepUpIntro'),
          actionsTitle: t('open.face.actionsTitle'), shoot: t('open.face.useCamera'), cancel: t('open.face.cancelCamera'),
          submit: t('faceVerify.submit'), checking: t('open.face.checking'),
          kit: '',
        },
      })
      sandboxIdentity().then((ident) => {
        this.ident = ident
        if (ident) this.setData({ sandboxName: ident.name, 'L.kit': t('open.sandbox.useFaceKit', { name: ident.name }) })
      })
    },
    /** Show `challenge` (after `refusal`, if any); resolves to the pictures, or null. */
    capture(challenge, refusal) {
      this.answer(null)
      this.challenge = challenge
      this.challengeAt = Date.now() // the pictures' `t` count from here
      this.shots = null
      this.setData({
        show: true, loading: false, busy: false, capturing: false, selfie: '', frames: [],
        message: refusalSentence(refusal, { text: errorText, left: (n) => t('faceVerify.attemptsLeft', { n }) }),
        actions: (challenge.actions || []).map((a) => ({ key: a, label: actionLabel(a), done: false })),
      })
      return new Promise((resolve) => {
        this.waiting = resolve
      })
    },
    setBusy(busy) {
      this.setData({ busy: Boolean(busy) })
    },
    end() {
      this.answer(null)
      this.setData({ show: false, capturing: false, busy: false })
    },
    answer(pictures) {
      const resolve = this.waiting
      this.waiting = null
      if (resolve) resolve(pictures)
    },
    keepShots(paths, times, mirrored) {
      this.shots = { times, mirrored }
      this.setData({
        selfie: paths[0], frames: paths.slice(1), capturing: false, prompt: '', message: '',
        actions: this.data.actions.map((a) => ({ ...a, done: true })),
      })
    },
    async onCapture() {
      if (this.data.capturing || !this.challenge || this.data.busy) return
      this.setData({ capturing: true, message: '' })
      await new Promise((resolve) => setTimeout(resolve, 600)) // the camera component starts
      let got
      try {
        got = await guidedCapture(wx.createCameraContext(), ['selfie', ...this.challenge.actions], {
          delayS: CAPTURE_DELAY_S,
          onPrompt: (step, s) => this.setData({ prompt: prompt(step), countdown: s }),
          cancelled: () => !this.data.capturing || !this.data.show,
        })
      } catch (err) {
        this.setData({ capturing: false, message: t('mp.open.cameraDenied') })
        return
      }
      if (got) this.keepShots(got.paths, got.ats.map((at) => sinceChallenge(this.challengeAt, at)), photosMirrored())
    },
    onCancelCapture() {
      this.setData({ capturing: false, prompt: '' })
    },
    onCameraError() {
      this.setData({ capturing: false, message: t('mp.open.cameraDenied') })
    },
    /** Sandbox: the kit of the identity logged in with, signed for this challenge. */
    async onSandboxFace() {
      if (!this.ident || !this.challenge || this.data.busy) return
      try {
        const kit = await sandboxKit.faceKit(this.ident, this.challenge, randomInt(1000000))
        const at = sinceChallenge(this.challengeAt)
        this.keepShots([kit.selfie, ...kit.frames], [kit.selfie, ...kit.frames].map(() => at), false)
      } catch (err) {
        this.setData({ message: errorText(err) })
      }
    },
    onSubmit() {
      const d = this.data
      if (!d.selfie || !this.challenge || d.frames.length !== this.challenge.actions.length || d.busy) return
      const shots = this.shots || { times: [], mirrored: false }
      this.setData({ busy: true, message: '' })
      this.answer({ selfie: d.selfie, frames: d.frames, times: shots.times, mirrored: shots.mirrored })
    },
    onClose() {
      if (this.data.busy) return
      this.end()
    },
  },
})
