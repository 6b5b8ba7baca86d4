// The customer page's data, read from GET /admin/api/v1/customers/{id} (api.md: masked profile,
// account, holdings, receipts, onboarding applications, risk alerts; OpenAPI `CustomerPage`). The
// page reads this one normalised shape, so a renamed field on the server is fixed here only.
import { toFen } from '@shared/money.js'
import { pick } from './format.js'

export const ACCOUNT_STATUSES = ['normal', 'non_counter_suspended', 'receive_only', 'frozen', 'dormant']
export const REVEAL_FIELDS = ['name', 'id_number', 'phone', 'card_no']

const list = (v) => (Array.isArray(v) ? v : v && Array.isArray(v.items) ? v.items : [])

/** One search hit (CustomerHit) → {id, name, phone, idNumber, accountNo, status, kycStatus, createdAt}. */
export function searchRow(item) {
  return {
    id: pick(item, 'customer_id', 'id'),
    name: pick(item, 'name_masked') ?? '',
    phone: pick(item, 'phone_masked') ?? '',
    idNumber: pick(item, 'id_number_masked') ?? '',
    accountNo: pick(item, 'account_no') ?? '',
    status: pick(item, 'account_status') ?? '',
    kycStatus: pick(item, 'kyc_status') ?? '',
    createdAt: pick(item, 'created_at') ?? '',
  }
}

/** One account of the customer page (StaffAccountView). */
export function accountOf(acc) {
  if (!acc || typeof acc !== 'object') return null
  const card = acc.bound_card && typeof acc.bound_card === 'object' ? acc.bound_card : {}
  const history = list(acc.status_history)
  const lastFreeze = history.find((h) => h.to_status === 'frozen') // newest first
  return {
    accountNo: pick(acc, 'account_no') ?? '',
    accountClass: pick(acc, 'account_class') ?? 'II',
    status: pick(acc, 'status') ?? '',
    statusReason: pick(acc, 'status_reason') ?? '',
    balance: pick(acc, 'balance') ?? null,
    cardBank: pick(card, 'bank') ?? '',
    cardNo: pick(card, 'card_no_masked', 'card_no') ?? '',
    cardBoundAt: pick(card, 'bound_at') ?? '',
    openedAt: pick(acc, 'opened_on', 'opened_at', 'created_at') ?? '',
    closedAt: pick(acc, 'closed_at') ?? '',
    limits: Array.isArray(acc.limits) ? acc.limits : [],
    history,
    frozenBy: lastFreeze ? lastFreeze.actor : null,
  }
}

/** The customer page (GET /customers/{id}) → the shape the page shows. */
export function customerPage(data) {
  const d = data && typeof data === 'object' ? data : {}
  const c = d.customer && typeof d.customer === 'object' ? d.customer : d
  const pin = c.pin && typeof c.pin === 'object' ? c.pin : {}
  return {
    id: pick(c, 'customer_id', 'id') ?? pick(d, 'customer_id', 'id'),
    profile: {
      name: pick(c, 'name_masked') ?? '',
      idNumber: pick(c, 'id_number_masked') ?? '',
      phone: pick(c, 'phone_masked') ?? '',
      kycStatus: pick(c, 'kyc_status') ?? '',
      birthYear: pick(c, 'birth_year') ?? '',
      region: pick(c, 'region_code') ?? '',
      createdAt: pick(c, 'created_at') ?? '',
    },
    pin: { state: pick(pin, 'state') ?? '', failedAttempts: pick(pin, 'failed_attempts') ?? 0, lockedAt: pick(pin, 'locked_at') ?? '' },
    account: accountOf(d.account),
    otherAccounts: list(d.other_accounts).map(accountOf),
    holdings: list(d.holdings),
    receipts: list(d.receipts),
    onboarding: list(d.onboarding).map(onboardingOf),
    alerts: list(pick(d, 'risk_alerts', 'alerts')),
  }
}

function onboardingOf(a) {
  const review = a.review && typeof a.review === 'object' ? a.review : null
  return {
    id: pick(a, 'id', 'application_id'),
    status: pick(a, 'status') ?? '',
    createdAt: pick(a, 'created_at') ?? '',
    decidedAt: pick(a, 'decided_at') ?? '',
    ruleVersion: pick(a, 'rule_version') ?? '',
    reasons: list(pick(a, 'decision_reasons', 'reasons')).map((r) => (typeof r === 'string' ? r : r.code || JSON.stringify(r))),
    face: a.face && typeof a.face === 'object' ? a.face : null,
    deviceId: pick(a, 'device_id') ?? '',
    ip: pick(a, 'ip') ?? '',
    evidence: list(a.evidence),
    review,
  }
}

/** Statuses staff may set from `current` (closing has its own action; `frozen` only releases to normal). */
export function nextStatuses(current) {
  return ACCOUNT_STATUSES.filter((s) => s !== current)
}

/** Can the account be closed as far as the page knows (the server decides): zero balance, no active holding. */
export function closeBlockers(view) {
  const out = []
  if (!view.account) return ['NO_ACCOUNT']
  if (view.account.status === 'closed') return ['ALREADY_CLOSED']
  if (view.account.balance !== null && toFen(view.account.balance) !== 0) out.push('BALANCE_NOT_ZERO')
  if (view.holdings.some((h) => h.status === 'active')) out.push('ACTIVE_HOLDING')
  return out
}

/** The PIN as staff see it: 'locked' can be unlocked; 'reset_required' waits for the customer. */
export function pinLocked(view) {
  return view.pin.state === 'locked'
}
