// The face sheet of the H5 app (components/face/FaceVerifySheet.vue, mounted once in App.vue):
// a face step-up of a money call, or the re-verification that lifts a suspension for
// inactivity. The loop — challenge, pictures, upload, the next challenge after a refusal — is
// the shared stepUpFace.js; this module is its H5 side: `capture` opens the sheet and waits
// for the customer's pictures, `upload` sends them as onboarding's face step does (faceForm.js).
import { reactive } from 'vue'
import { api } from '@shared/api.js'
import { errorText } from '@shared/errors.js'
import { photoOfError } from './onboarding.js'
import { faceForm } from './faceForm.js'
import { t } from '@shared/i18n.js'
import { faceStepUp, reactivate, refusalSentence } from './stepUpFace.js'
import { session } from './session.js'

export const faceSheet = reactive({
  show: false,
  mode: 'step_up', // step_up | reactivate: the sheet's title and sentence
  challenge: null,
  loading: false,
  busy: false,
  message: '', // the last refusal, in words
  badPhoto: '', // the picture it was about
  sandbox: null, // sandbox only: the identity whose face kit fits this customer
})

let waiting = null // resolve() of the capture the sheet is showing

/** The sheet shows `challenge` (and the refusal before it); resolves to the pictures or null. */
export function captureInSheet(challenge, refusal) {
  Object.assign(faceSheet, {
    show: true, loading: false, busy: false, challenge,
    message: refusalSentence(refusal, { text: errorText, left: (n) => t('faceVerify.attemptsLeft', { n }) }),
    badPhoto: refusal ? photoOfError(refusal) : '',
  })
  return new Promise((resolve) => {
    waiting = resolve
  })
}

/** The sheet's submit (pictures) or close (null). */
export function answerSheet(pictures) {
  const resolve = waiting
  waiting = null
  if (resolve) resolve(pictures || null)
}

/** A new picture was taken: the refusal shown was about the old ones. */
export function pictureTaken(name) {
  faceSheet.message = ''
  if (name === 'all' || faceSheet.badPhoto === name) faceSheet.badPhoto = ''
}

let sandboxPeople = null // the sandbox's identities once asked; [] elsewhere (404)

/** Sandbox only: the ready-made identity logged in with this phone, for its face kit. */
async function sandboxIdentity(client) {
  if (sandboxPeople === null) {
    try {
      const data = await client.get('/sandbox/identities', { auth: false, timeout: 90000 })
      sandboxPeople = (data && data.items) || []
    } catch {
      sandboxPeople = [] // not a sandbox: no demo helper
    }
  }
  return sandboxPeople.find((p) => p.phone && p.phone === session.phone) || null
}

/**
 * Pass the face step-up of `err` in the sheet (`mode`: step_up | reactivate); → the passed
 * step_up_id or null (face not offered, or the customer closed the sheet). STEP_UP_FAILED and
 * other refusals are thrown.
 */
export async function faceStepUpInSheet(err, { mode = 'step_up', client = api } = {}) {
  Object.assign(faceSheet, { show: true, mode, loading: true, challenge: null, message: '', badPhoto: '', busy: false })
  sandboxIdentity(client).then((ident) => {
    faceSheet.sandbox = ident
  })
  const upload = async (path, challenge, pictures) => {
    faceSheet.busy = true
    try {
      return await client.upload(path, await faceForm(challenge, pictures), { timeout: 180000 })
    } finally {
      faceSheet.busy = false
    }
  }
  try {
    return await faceStepUp(err, { client, capture: captureInSheet, upload })
  } finally {
    waiting = null
    Object.assign(faceSheet, { show: false, challenge: null, busy: false, loading: false })
  }
}

/** Lift a suspension for inactivity by face (POST /account/reactivate); → the answer or null. */
export function reactivateByFace({ client = api } = {}) {
  return reactivate({ client, passFace: (e) => faceStepUpInSheet(e, { mode: 'reactivate', client }) })
}
