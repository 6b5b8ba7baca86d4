// What the account-opening tests share: the fake server's answers and the capture-field check.
const crypto = require('crypto')
const { fakeServer, apiError, multipart } = require('./helpers.js')

const AGREEMENTS = { items: [
  { id: 'face_data_consent', version: '2025.1', title_zh: '人脸信息处理单独同意书', text_zh: '为核验您的身份……', at_step: 'face' },
  { id: 'account_terms', version: '2025.1', title_zh: '电子账户服务协议', text_zh: '……', at_step: 'submit' },
  { id: 'privacy_policy', version: '2025.1', title_zh: '个人信息保护政策', text_zh: '……', at_step: 'submit' },
] }
const FIELDS = { name: '张伟', id_number: '440305198806151315', valid_from: '2016-08-01', valid_to: '2036-08-01', address: '广东省深圳市南山区科技园南路18号', long_term: false }
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => 200 - i)).toString('base64url')
const CHALLENGE = {
  nonce: 'n-1', actions: ['turn_left', 'blink'], expires_at: '2999-01-01T00:00:00Z', frames_expected: 2,
  capture_key: KEY, capture: { version: 1, labels: ['selfie', 'turn_left', 'blink'], min_gap_ms: 200 }, provider: 'local',
}

/**
 * The `capture` field of a face upload, checked the server's way with Node's own crypto
 * (capture.py: HMAC-SHA256 under the challenge key over odcap1|nonce|i|label|t|sha256(bytes)),
 * against the bytes that were actually uploaded, in order, at least min_gap_ms apart.
 */
function expectSigned(req, challenge) {
  const parts = multipart(req)
  const doc = JSON.parse(parts.find((p) => p.name === 'capture').value)
  const pictures = parts.filter((p) => p.name === 'selfie' || p.name === 'frames')
  const labels = ['selfie', ...challenge.actions]
  expect(doc.v).toBe(1)
  expect(doc.nonce).toBe(challenge.nonce)
  expect(doc.frames.length).toBe(pictures.length)
  const key = Buffer.from(challenge.capture_key, 'base64url')
  doc.frames.forEach((f, i) => {
    const digest = crypto.createHash('sha256').update(pictures[i].data).digest('hex')
    const sig = crypto.createHmac('sha256', key).update(`odcap1|${challenge.nonce}|${i}|${labels[i]}|${f.t}|${digest}`).digest('hex')
    expect(f).toEqual({ i, label: labels[i], t: f.t, sig })
    if (i > 0) expect(f.t - doc.frames[i - 1].t).toBeGreaterThanOrEqual(200)
  })
  expect(doc.frames[0].t).toBeGreaterThanOrEqual(0)
  return { doc, parts }
}

function multipartNames(req) {
  return [...Buffer.from(req.data).toString('utf8').matchAll(/form-data; name="([^"]+)"/g)].map((m) => m[1])
}

function server(overrides = {}) {
  return fakeServer({
    'GET /api/v1/onboarding/current': () => apiError(404, 'ONBOARDING_NOT_FOUND', 'None.', '没有进行中的申请。'),
    'GET /api/v1/account': () => apiError(404, 'ACCOUNT_NOT_FOUND', 'No account.', '您还没有电子账户。'),
    'POST /api/v1/onboarding': () => [201, { id: 7, status: 'application', next_step: 'id_card' }],
    'POST /api/v1/onboarding/7/id-card': () => ({ id: 7, status: 'id_card', next_step: 'identity', fields: FIELDS, warnings: [] }),
    'POST /api/v1/onboarding/7/identity': () => ({ id: 7, status: 'identity', next_step: 'face', citizen_id_check: 'match', challenge: CHALLENGE }),
    'GET /api/v1/onboarding/agreements': () => AGREEMENTS,
    'GET /api/v1/onboarding/7/face/challenge': () => CHALLENGE,
    'POST /api/v1/onboarding/7/face': () => ({ id: 7, status: 'face', next_step: 'card' }),
    'POST /api/v1/onboarding/7/card': () => ({ id: 7, status: 'card', next_step: 'card_confirm', sms_sent_to: '139****9000' }),
    'POST /api/v1/onboarding/7/card/confirm': () => ({ id: 7, status: 'card_confirmed', next_step: 'submit' }),
    'POST /api/v1/onboarding/7/submit': () => ({ id: 7, status: 'opened', account_no: '6230123456781234' }),
    'POST /api/v1/events': () => [202, {}],
    ...overrides,
  })
}

module.exports = { AGREEMENTS, FIELDS, KEY, CHALLENGE, expectSigned, multipartNames, server }
