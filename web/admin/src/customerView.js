// The customer page's data, read from GET /admin/api/v1/customers/{id} (api.md: masked profile,
// account, holdings, receipts, onboarding application, risk alerts). The page reads this one
// normalised shape, so a renamed field on the server is fixed here, in one place.
import { pick } from './format.js'

export const ACCOUNT_STATUSES = ['normal', 'non_counter_suspended', 'receive_only', 'frozen', 'dormant']
export const REVEAL_FIELDS = ['name', 'id_number', 'phone', 'card_no']

const list = (v) => (Array.isArray(v) ? v : v && Array.isArray(v.items) ? v.items : [])

/** One search hit → {id, name, phone, idNumber, accountNo, status, kycStatus, createdAt}. */
export function searchRow(item) {
  const account = item.account && typeof item.account === 'object' ? item.account : {}
  return {
    id: pick(item, 'id', 'customer_id'),
    name: pick(item, 'name_masked', 'name') ?? '',
    phone: pick(item, 'phone_masked', 'phone') ?? '',
    idNumber: pick(item, 'id_number_masked', 'id_number', 'id_masked') ?? '',
    accountNo: pick(item, 'account_no') ?? pick(account, 'account_no') ?? '',
    status: pick(item, 'account_status', 'status') ?? pick(account, 'status') ?? '',
    kycStatus: pick(item, 'kyc_status') ?? '',
    createdAt: pick(item, 'created_at', 'registered_at') ?? '',
  }
}

/** The customer page → the shape the page shows. */
export function customerPage(data) {
  const d = data && typeof data === 'object' ? data : {}
  const profile = d.profile && typeof d.profile === 'object' ? d.profile : d.customer && typeof d.customer === 'object' ? d.customer : d
  const acc = d.account && typeof d.account === 'object' ? d.account : null
  const card = acc && acc.bound_card && typeof acc.bound_card === 'object' ? acc.bound_card : {}
  return {
    id: pick(d, 'id', 'customer_id') ?? pick(profile, 'id', 'customer_id'),
    profile: {
      name: pick(profile, 'name_masked', 'name') ?? '',
      idNumber: pick(profile, 'id_number_masked', 'id_number') ?? '',
      phone: pick(profile, 'phone_masked', 'phone') ?? '',
      kycStatus: pick(profile, 'kyc_status') ?? '',
      birthDate: pick(profile, 'birth_date') ?? '',
      region: pick(profile, 'region_code', 'region') ?? '',
      riskRating: pick(profile, 'risk_rating', 'risk_level') ?? pick(d, 'risk_rating') ?? '',
      createdAt: pick(profile, 'created_at', 'registered_at') ?? '',
    },
    account: acc && {
      accountNo: pick(acc, 'account_no') ?? '',
      status: pick(acc, 'status') ?? '',
      balance: pick(acc, 'balance') ?? null,
      cardBank: pick(card, 'bank') ?? pick(acc, 'card_bank') ?? '',
      cardNo: pick(card, 'card_no_masked', 'card_no') ?? pick(acc, 'card_no_masked') ?? '',
      openedAt: pick(acc, 'opened_at', 'created_at') ?? '',
      closedAt: pick(acc, 'closed_at') ?? '',
      pinLocked: Boolean(pick(acc, 'pin_locked') ?? (pick(acc, 'pin_status') === 'locked')),
      pinStatus: pick(acc, 'pin_status') ?? (pick(acc, 'pin_locked') ? 'locked' : ''),
      frozenBy: pick(acc, 'frozen_by', 'status_changed_by') ?? null,
      statusReason: pick(acc, 'status_reason', 'reason') ?? '',
      limits: acc.limits && typeof acc.limits === 'object' ? acc.limits : null,
    },
    holdings: list(d.holdings),
    receipts: list(d.receipts),
    onboarding: onboardingOf(pick(d, 'onboarding', 'onboarding_application', 'application')),
    alerts: list(pick(d, 'risk_alerts', 'alerts')),
    statusHistory: list(pick(d, 'status_history', 'status_changes')),
  }
}

function onboardingOf(o) {
  if (!o) return []
  const apps = Array.isArray(o) ? o : [o]
  return apps.filter((a) => a && typeof a === 'object').map((a) => ({
    id: pick(a, 'id', 'application_id'),
    status: pick(a, 'status') ?? '',
    createdAt: pick(a, 'created_at') ?? '',
    reasons: list(a.reasons).length ? a.reasons : Array.isArray(a.reasons) ? a.reasons : [],
    face: a.face ?? null,
    evidence: list(a.evidence),
    decisions: list(pick(a, 'decisions', 'reviews')),
    reviewId: pick(a, 'review_id', 'case_id') ?? null,
  }))
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
  if (view.account.balance !== null && !/^0+(\.0+)?$/.test(String(view.account.balance))) out.push('BALANCE_NOT_ZERO')
  if (view.holdings.some((h) => h.status === 'active')) out.push('ACTIVE_HOLDING')
  return out
}
