// What the account-opening wizard keeps between its pages while the app is open: the
// application, the recognised card fields, the liveness challenge, the consents, the sandbox
// identity picked. Memory only (never web storage); cleared when the customer logs out or in.
import { reactive } from 'vue'
import { onTokenChange } from '@shared/api.js'

function fresh() {
  return {
    app: null, // {id, status, next_step, expires_at, ...} from the server
    ocr: null, // {appId, fields, warnings, confidence}
    form: null, // the identity form as last edited
    birthDate: '', // from the confirmed ID number (PIN rule)
    challenge: null, // {nonce, actions, expires_at, frames_expected}
    consented: false, // the separate face-data consent, given in this visit
    faceConsentVersion: '',
    agreements: [], // GET /onboarding/agreements
    accepted: {}, // {agreement id: true}
    agreementsMessage: '', // why the customer was sent back to the agreements
    needsProof: false, // RESIDENCE_PROOF_REQUIRED on submit
    proofSent: false,
    card: null, // {bank, card_no_masked} once bound
    smsSentTo: '',
    result: null, // the submit answer {status, account_no?, reason?, reasons}
    sandbox: null, // the sandbox identity picked, if any
  }
}

export const openState = reactive(fresh())

/** Forget the application's data; `keepSandbox` keeps the sandbox identity picked. */
export function resetOpenState({ keepSandbox = false } = {}) {
  const picked = openState.sandbox
  Object.assign(openState, fresh())
  if (keepSandbox) openState.sandbox = picked
}

onTokenChange(() => resetOpenState())
