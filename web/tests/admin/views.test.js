// How server answers read on the pages: the customer page, evidence, risk data, the session.
import { beforeEach, describe, expect, it } from 'vitest'
import { customerPage, searchRow, closeBlockers, nextStatuses, pinLocked } from '../../admin/src/customerView.js'
import { evidenceFacts, reviewSummary, locationText } from '../../admin/src/evidence.js'
import { ruleOf, thresholdsOf, changedThresholds, evidenceText } from '../../admin/src/riskView.js'
import { session, applyLoginAnswer, applyMe, pendingStep, hasRole } from '../../admin/src/session.js'
import { guard } from '../../admin/src/router.js'
import { clearToken } from '../../admin/src/client.js'
import { setMessages, setLocale } from '../../src/i18n.js'
import messages from '../../admin/src/locales.js'

setMessages(messages)
setLocale('zh-CN')

const PAGE = {
  customer: { customer_id: 12, name_masked: '张*', id_number_masked: '4403**********1237', phone_masked: '138****8000', kyc_status: 'verified', created_at: '2026-03-01T02:00:00+00:00', birth_year: 1990, region_code: '440305', pin: { state: 'locked', failed_attempts: 5, locked_at: '2026-03-02T01:00:00+00:00' } },
  account: {
    account_no: '6230580000000000012', account_class: 'II', status: 'frozen', status_reason: '涉嫌电诈', opened_on: '2026-03-01', closed_at: null, balance: '50000.00',
    bound_card: { bank: '中国工商银行', card_no_masked: '****3445', bound_at: null },
    limits: [{ bucket: 'out_non_bound', daily_limit: '10000.00', yearly_limit: '200000.00', used_today: '0.00', used_this_year: '0.00' }],
    status_history: [
      { from_status: 'normal', to_status: 'frozen', reason: '涉嫌电诈', actor: 'staff:3', at: '2026-03-02T02:00:00+00:00' },
      { from_status: 'frozen', to_status: 'normal', reason: '解除', actor: 'staff:4', at: '2026-03-01T02:00:00+00:00' },
      { from_status: 'normal', to_status: 'frozen', reason: '早先', actor: 'staff:9', at: '2026-03-01T01:00:00+00:00' },
    ],
  },
  other_accounts: [],
  holdings: [{ id: 1, product_code: 'TD1Y', principal: '10000.00', status: 'active' }],
  receipts: [{ receipt_no: 'HD1', kind: 'top_up', business_date: '2026-03-01', amount: '500.00', reference: 'r', issued_at: null, pdf_url: '/admin/api/v1/receipts/HD1/pdf' }],
  onboarding: [{ id: 5, status: 'opened', created_at: null, decided_at: null, rule_version: 'v3', decision_reasons: ['NOT_LOCAL'], device_id: 'd', ip: '1.2.3.4', face: { score: 0.91 }, review: { id: 2, status: 'approved', decided_by: 4, decision_note: 'ok' }, evidence: [{ id: 9, step: 'face', kind: 'face_match', outcome: null, model: 'sface', actor: 'customer:12', at: 'x', image_url: '/admin/api/v1/customers/12/evidence/9/image' }] }],
  risk_alerts: [],
  statement_url: '/admin/api/v1/customers/12/statement',
}

describe('customer page', () => {
  it('reads the CustomerPage answer', () => {
    const v = customerPage(PAGE)
    expect(v.id).toBe(12)
    expect(v.profile).toMatchObject({ name: '张*', idNumber: '4403**********1237', phone: '138****8000', birthYear: 1990 })
    expect(v.account).toMatchObject({ accountNo: '6230580000000000012', status: 'frozen', balance: '50000.00', cardNo: '****3445', openedAt: '2026-03-01' })
    expect(v.account.frozenBy).toBe('staff:3') // the latest freeze (newest first)
    expect(v.account.limits).toHaveLength(1)
    expect(pinLocked(v)).toBe(true)
    expect(v.onboarding[0]).toMatchObject({ id: 5, reasons: ['NOT_LOCAL'], ruleVersion: 'v3', review: { id: 2 } })
  })
  it('knows why an account cannot be closed', () => {
    const v = customerPage(PAGE)
    expect(closeBlockers(v)).toEqual(['BALANCE_NOT_ZERO', 'ACTIVE_HOLDING'])
    const empty = customerPage({ ...PAGE, account: { ...PAGE.account, balance: '0.00' }, holdings: [{ status: 'withdrawn' }] })
    expect(closeBlockers(empty)).toEqual([])
    expect(closeBlockers(customerPage({ ...PAGE, account: null }))).toEqual(['NO_ACCOUNT'])
  })
  it('offers every other status', () => {
    expect(nextStatuses('normal')).toEqual(['non_counter_suspended', 'receive_only', 'frozen', 'dormant'])
  })
  it('reads a search hit', () => {
    expect(searchRow({ customer_id: 3, name_masked: '王*', phone_masked: '137****7000', id_number_masked: null, kyc_status: 'verified', created_at: null, account_no: '623058', account_status: 'normal' }))
      .toMatchObject({ id: 3, name: '王*', accountNo: '623058', status: 'normal' })
  })
})

describe('evidence', () => {
  it('turns an evidence record into labelled facts', () => {
    const facts = evidenceFacts({ id: 1, step: 'face', kind: 'face_match', detail: { score: 0.912345, threshold: 0.6, matched: true }, location: { lat: 22.54312, lon: 114.05791, accuracy: 30.4 }, device_id: 'd-1', image: { sha256: 'ab'.repeat(32) } })
    const byKey = Object.fromEntries(facts.map((f) => [f.key, f.value]))
    expect(byKey).toMatchObject({ score: '0.912', threshold: '0.600', matched: '是', location: '22.5431, 114.0579 · ±30 m', device_id: 'd-1' })
    expect(facts.find((f) => f.key === 'score').label).toBe('比对分')
    expect(locationText('深圳')).toBe('深圳')
  })
  it('sums up a review case', () => {
    const s = reviewSummary({ application: { face: { score: 0.71, source: 'registry' }, applicant: { location: { city: '深圳' } } }, evidence: [{ kind: 'citizen_id_check', outcome: null, at: '2026-03-01T00:00:00Z' }, { kind: 'liveness', outcome: 'LIVENESS_FAILED' }] })
    expect(s).toMatchObject({ faceScore: 0.71, faceSource: 'registry', liveness: 'LIVENESS_FAILED', registry: 'matched', location: '深圳' })
  })
})

describe('risk data', () => {
  it('reads the rule of an alert either way', () => {
    expect(ruleOf({ rule: { code: 'NEW_CARD', version: 3, description: 'New card', description_zh: '新卡' } })).toEqual({ code: 'NEW_CARD', version: 3, description: '新卡' })
    expect(ruleOf({ rule_code: 'X', rule_version: 1 })).toMatchObject({ code: 'X', version: 1 })
  })
  it('sends only changed thresholds, amounts as strings', () => {
    const before = thresholdsOf({ thresholds: [{ name: 'min_amount', unit: 'amount', value: '50000.00' }, { name: 'card_age_days', unit: 'days', value: 7 }] })
    const edited = before.map((x) => ({ ...x, value: String(x.value) }))
    edited[1].value = '14'
    expect(changedThresholds(before, edited)).toEqual({ card_age_days: 14 })
    edited[0].value = '80000'
    expect(changedThresholds(before, edited)).toEqual({ min_amount: '80000', card_age_days: 14 })
    expect(thresholdsOf({ thresholds: { a: 1 } })).toMatchObject([{ name: 'a', value: 1 }])
    expect(evidenceText({ amount: '500000.00', ids: [1, 2] })).toBe('amount: 500000.00; ids: [1,2]')
  })
})

describe('session and guard', () => {
  beforeEach(() => {
    clearToken()
    sessionStorage.clear()
  })

  it('a first admin login: password change, then MFA enrolment, then the console', () => {
    applyLoginAnswer({ token: 't1', staff_id: 1, roles: ['admin'], expires_in: 900, pending: 'password_change', password_change_required: true, mfa_enrolment: null }, 'root')
    expect(pendingStep.value).toBe('password')
    expect(guard({ meta: { page: 'customers' }, fullPath: '/customers' })).toEqual({ name: 'login', query: { step: 'password' } })
    applyLoginAnswer({ token: 't2', staff_id: 1, roles: ['admin'], pending: 'mfa_enrolment', password_change_required: false, mfa_enrolment: { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x' } })
    expect(pendingStep.value).toBe('mfa')
    expect(sessionStorage.getItem('od_staff_token')).toBe('t2')
    expect(sessionStorage.getItem('od_staff')).not.toContain('JBSWY3DPEHPK3PXP') // the secret is never stored
    applyLoginAnswer({ token: 't3', staff_id: 1, roles: ['admin'], pending: null, password_change_required: false, mfa_enrolment: null })
    expect(pendingStep.value).toBeNull()
    expect(guard({ meta: { page: 'staff' }, fullPath: '/staff' })).toBe(true)
    expect(session.username).toBe('root')
  })

  it('sends a logged-out visitor to the login page and a role to pages it may use', () => {
    expect(guard({ meta: { page: 'customers' }, fullPath: '/customers?q=1' })).toEqual({ name: 'login', query: { redirect: '/customers?q=1' } })
    expect(guard({ meta: { public: true }, fullPath: '/login' })).toBe(true)
    applyLoginAnswer({ token: 't', staff_id: 2, roles: ['operator'], pending: null }, 'op')
    expect(guard({ name: 'staff', meta: { page: 'staff' }, fullPath: '/staff' })).toEqual({ name: 'home' })
    expect(guard({ name: 'customers', meta: { page: 'customers' }, fullPath: '/customers' })).toBe(true)
    expect(hasRole('operator')).toBe(true)
    expect(hasRole('checker')).toBe(false)
  })

  it('GET /auth/me after a reload says what is still pending', () => {
    applyLoginAnswer({ token: 't', staff_id: 2, roles: ['checker'], pending: null }, 'chk')
    applyMe({ staff_id: 2, username: 'chk', roles: ['checker'], pending: 'password_change', mfa_enabled: false })
    expect(pendingStep.value).toBe('password')
  })
})
