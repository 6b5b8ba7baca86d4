// A stand-in for the opendeposit backend, for working on the H5 app without Python: serves the
// built app at /m/ (SPA fallback) and fakes /api/v1 and /sandbox with in-memory data.
//   npm run build && npm run mock      →  http://127.0.0.1:8765/m/
// It follows docs/api.md's paths and field names; it is not the contract's reference.
import { createServer } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomUUID } from 'node:crypto'

const PORT = Number(process.env.PORT || 8765)
const HOST = process.env.HOST || '127.0.0.1'
const DIST = fileURLToPath(new URL('../../src/opendeposit/web_dist/m/', import.meta.url))
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.pdf': 'application/pdf' }

const fmt = (fen) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`
const parse = (s) => {
  const m = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/.exec(String(s ?? ''))
  return m ? Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0')) : null
}
const INSURED = '本产品为存款产品，受《存款保险条例》保护。存款保险实行限额偿付，最高偿付限额为人民币50万元（同一存款人在本行所有被保险存款账户的本金和利息合并计算）。'
const RISK = '存款产品本金及约定利息由本行按合同约定支付。提前支取的部分按支取日活期挂牌利率计息。请根据自身资金安排合理选择存期。'

const products = [
  { code: 'TD3M', name: '3个月整存整取', kind: 'time_deposit', term_months: 3, rate: '0.80', min_amount: '50.00', step_amount: '0.01', max_per_customer: '5000000.00', quota_left: '8000000.00', on_sale: true },
  { code: 'TD1Y', name: '1年期整存整取', kind: 'time_deposit', term_months: 12, rate: '1.20', min_amount: '50.00', step_amount: '0.01', max_per_customer: '5000000.00', quota_left: '12345678.90', on_sale: true },
  { code: 'TD3Y', name: '3年期整存整取', kind: 'time_deposit', term_months: 36, rate: '1.55', min_amount: '50.00', step_amount: '0.01', max_per_customer: '5000000.00', quota_left: '3000000.00', on_sale: true },
  { code: 'CD3Y', name: '3年期大额存单', kind: 'large_cd', term_months: 36, rate: '1.75', min_amount: '200000.00', step_amount: '10000.00', max_per_customer: '10000000.00', quota_left: '50000000.00', on_sale: true },
].map((p) => ({ ...p, insured_statement: INSURED, risk_text: RISK }))

const state = {
  sms: new Map(), // phone → code
  tokens: new Map(), // token → phone
  hasAccount: new Set(['13800138000']),
  balance: 5234567, // fen
  lines: [],
  holdings: [],
  receipts: [],
  idem: new Map(),
  pinTries: 0,
  seq: 1,
}
const BUSINESS_DATE = '2026-03-02'
const today = () => BUSINESS_DATE

function addMonths(date, months) {
  const [y, m, d] = date.split('-').map(Number)
  const total = y * 12 + (m - 1) + months
  const yy = Math.floor(total / 12)
  const mm = (total % 12) + 1
  const last = new Date(Date.UTC(yy, mm, 0)).getUTCDate()
  return `${yy}-${String(mm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`
}

function interest(fen, rate, months) {
  // principal × rate% × months / 12, half-up to the fen, in integers (rate has 2 decimals)
  const r = Math.round(Number(rate) * 100)
  const num = fen * r * months
  const den = 100 * 100 * 12
  return Math.floor((num * 2 + den) / (den * 2))
}

function receipt(kind, amountFen) {
  const no = `R${BUSINESS_DATE.replace(/-/g, '')}${String(state.seq++).padStart(6, '0')}`
  const r = { receipt_no: no, kind, business_date: today(), amount: fmt(amountFen), amount_in_words: '', verification_code: randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase(), sha256: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''), pdf_url: `/api/v1/receipts/${no}/pdf` }
  state.receipts.unshift(r)
  return r
}

function line(kind, amountFen, description) {
  state.balance += amountFen
  const r = receipt(kind, Math.abs(amountFen))
  state.lines.unshift({ id: String(state.seq++), at: new Date().toISOString(), business_date: today(), kind, amount: fmt(amountFen), balance_after: fmt(state.balance), description, receipt_no: r.receipt_no })
  return r
}

// a little history
for (let i = 0; i < 28; i += 1) {
  const amt = (i % 3 === 0 ? -1 : 1) * (10000 + i * 1234)
  line(amt > 0 ? 'top_up' : 'withdraw', amt, amt > 0 ? '绑定卡转入' : '转出至绑定卡')
}
state.holdings.push({ id: 'H1001', product_code: 'TD1Y', product_name: '1年期整存整取', principal: '20000.00', rate: '1.20', start_date: '2025-11-15', maturity_date: '2026-11-15', status: 'active', accrued_interest: '70.67', auto_rollover: false, partial_withdrawn: false })
state.holdings.push({ id: 'H0901', product_code: 'TD3M', product_name: '3个月整存整取', principal: '5000.00', rate: '0.80', start_date: '2025-09-01', maturity_date: '2025-12-01', status: 'matured', accrued_interest: '10.00', auto_rollover: false, partial_withdrawn: false })

const err = (status, code, message, message_zh) => ({ status, body: { error: { code, message, message_zh } } })
const ok = (body, status = 200) => ({ status, body })

function authed(req) {
  const h = req.headers.authorization || ''
  const token = h.startsWith('Bearer ') ? h.slice(7) : ''
  return state.tokens.get(token) || null
}

function checkPin(pin) {
  if (state.pinTries >= 5) return err(422, 'PIN_LOCKED', 'Your PIN is locked after 5 wrong tries.', '交易密码错误次数过多，已锁定。')
  if (pin !== '123456' && pin !== state.openedPin) {
    state.pinTries += 1
    return err(422, 'PIN_INCORRECT', `Wrong PIN, ${5 - state.pinTries} tries left.`, `交易密码错误，还可尝试${5 - state.pinTries}次。`)
  }
  state.pinTries = 0
  return null
}

function idempotent(body, fn) {
  const key = body.idempotency_key
  if (!key) return err(422, 'VALIDATION_FAILED', 'idempotency_key is required.', '缺少幂等键。')
  const fp = JSON.stringify({ ...body, idempotency_key: undefined })
  const seen = state.idem.get(key)
  if (seen) return seen.fp === fp ? seen.res : err(409, 'IDEMPOTENCY_CONFLICT', 'This key was used with another request.', '该请求编号已用于其他交易。')
  const res = fn()
  if (res.status < 300) state.idem.set(key, { fp, res })
  return res
}

async function api(method, path, query, body, req) {
  let m
  if (method === 'GET' && path === '/api/v1/products') return ok(products)
  if ((m = /^\/api\/v1\/products\/([^/]+)$/.exec(path)) && method === 'GET') {
    const p = products.find((x) => x.code === decodeURIComponent(m[1]))
    return p ? ok(p) : err(404, 'PRODUCT_NOT_FOUND', 'No such product.', '产品不存在。')
  }
  if ((m = /^\/api\/v1\/products\/([^/]+)\/trial$/.exec(path)) && method === 'GET') {
    const p = products.find((x) => x.code === decodeURIComponent(m[1]))
    const fen = parse(query.get('amount'))
    if (!p) return err(404, 'PRODUCT_NOT_FOUND', 'No such product.', '产品不存在。')
    if (!fen) return err(422, 'INVALID_AMOUNT', 'The amount is not valid.', '金额格式不正确。')
    if (fen < parse(p.min_amount)) return err(422, 'BELOW_MINIMUM', `The minimum is ${p.min_amount}.`, `起存金额为${p.min_amount}元。`)
    return ok({ amount: fmt(fen), rate: p.rate, term_months: p.term_months, interest: fmt(interest(fen, p.rate, p.term_months)), maturity_date: addMonths(today(), p.term_months) })
  }
  if (method === 'POST' && path === '/api/v1/auth/sms-code') {
    if (!/^1\d{10}$/.test(body.phone || '')) return err(422, 'INVALID_PHONE', 'The phone number is not valid.', '手机号格式不正确。')
    state.sms.set(body.phone, String(100000 + Math.floor(Math.random() * 900000)))
    return ok({ sent: true, expires_in: 300 })
  }
  if (method === 'POST' && path === '/api/v1/auth/login') {
    if (state.sms.get(body.phone) !== body.code) return err(422, 'OTP_INVALID', 'The code is wrong or expired.', '验证码错误或已过期。')
    const token = randomUUID()
    state.tokens.set(token, body.phone)
    return ok({ token, customer_id: `C${body.phone.slice(-4)}` })
  }
  if (method === 'POST' && path === '/api/v1/events') return ok({ accepted: (body.events || []).length }, 202)
  if (path.startsWith('/api/v1/verify/receipt')) {
    if (method === 'POST') return ok({ genuine: false, receipt_no: null, signer: null, signed_at: null, problems: [{ code: 'SIGNATURE_INVALID', message: '签名与文件内容不符，文件可能被修改。' }, { code: 'NOT_ISSUED_BY_BANK', message: '签章证书不是本行签发。' }] })
    m = /^\/api\/v1\/verify\/receipt\/([^/]+)$/.exec(path)
    const r = m && state.receipts.find((x) => x.receipt_no === decodeURIComponent(m[1]))
    if (!r || r.verification_code !== query.get('code')) return err(404, 'RECEIPT_NOT_FOUND', 'No receipt with this number and code.', '回单编号或验证码不正确。')
    return ok({ genuine: true, receipt_no: r.receipt_no, signer: '开源银行股份有限公司 电子签章', signed_at: new Date().toISOString(), fields: { receipt_no: r.receipt_no, kind: r.kind, business_date: r.business_date, amount: parse(r.amount), currency: 'CNY', payer_name: '张*三' }, problems: [] })
  }

  const phone = authed(req)
  if (!phone) return err(401, 'UNAUTHORIZED', 'Please log in again.', '登录已失效，请重新登录。')
  const hasAccount = state.hasAccount.has(phone) || process.env.MOCK_ALL_HAVE_ACCOUNTS === '1'
  const noAccount = err(404, 'ACCOUNT_NOT_FOUND', 'You have no account yet.', '您还没有电子账户。')

  const onboarding = await onboardingApi(method, path, body, phone, hasAccount)
  if (onboarding) return onboarding
  if (method === 'GET' && path === '/api/v1/me') {
    return ok({ customer_id: `C${phone.slice(-4)}`, name: '张*三', phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`, id_number: '4401**********1234', kyc_status: hasAccount ? 'verified' : 'none', account: hasAccount ? { account_no: '6236********5678', balance: fmt(state.balance) } : null })
  }
  if (!hasAccount) return noAccount
  if (method === 'GET' && path === '/api/v1/account') {
    return ok({ account_no: '6236 **** **** 5678', account_class: 'II', balance: fmt(state.balance), status: 'active', bound_card: { bank: '中国工商银行', card_no_masked: '6222********1234' }, limits: { daily: { limit: '10000.00', used: '0.00', left: '10000.00' }, annual: { limit: '200000.00', used: '1200.00', left: '198800.00' } } })
  }
  if (method === 'POST' && (path === '/api/v1/account/top-up' || path === '/api/v1/account/withdraw')) {
    const topUp = path.endsWith('top-up')
    const bad = checkPin(body.pin)
    if (bad) return bad
    await new Promise((r) => setTimeout(r, 600))
    return idempotent(body, () => {
      const fen = parse(body.amount)
      if (!fen) return err(422, 'INVALID_AMOUNT', 'The amount is not valid.', '金额格式不正确。')
      if (!topUp && fen > state.balance) return err(422, 'INSUFFICIENT_FUNDS', 'Not enough balance.', '余额不足。')
      const r = line(topUp ? 'top_up' : 'withdraw', topUp ? fen : -fen, topUp ? '绑定卡转入' : '转出至绑定卡')
      return ok({ balance: fmt(state.balance), receipt_no: r.receipt_no })
    })
  }
  if (method === 'GET' && path === '/api/v1/account/transactions') {
    const start = Number(query.get('cursor') || 0)
    const items = state.lines.slice(start, start + 10)
    await new Promise((r) => setTimeout(r, 300))
    return ok({ items, next_cursor: start + 10 < state.lines.length ? String(start + 10) : null })
  }
  if (method === 'POST' && path === '/api/v1/deposits') {
    const bad = checkPin(body.pin)
    if (bad) return bad
    return idempotent(body, () => {
      const p = products.find((x) => x.code === body.product_code)
      const fen = parse(body.amount)
      if (!p) return err(404, 'PRODUCT_NOT_FOUND', 'No such product.', '产品不存在。')
      if (!fen || fen < parse(p.min_amount)) return err(422, 'BELOW_MINIMUM', `The minimum is ${p.min_amount}.`, `起存金额为${p.min_amount}元。`)
      if (fen > state.balance) return err(422, 'INSUFFICIENT_FUNDS', 'Not enough balance.', '电子账户余额不足。')
      const r = line('deposit_purchase', -fen, `购买${p.name}`)
      const h = { id: `H${state.seq++}`, product_code: p.code, product_name: p.name, principal: fmt(fen), rate: p.rate, start_date: today(), maturity_date: addMonths(today(), p.term_months), status: 'active', accrued_interest: '0.00', auto_rollover: false, partial_withdrawn: false, receipt_no: r.receipt_no }
      state.holdings.unshift(h)
      return ok(h, 201)
    })
  }
  if (method === 'GET' && path === '/api/v1/deposits') return ok(state.holdings)
  if ((m = /^\/api\/v1\/deposits\/([^/]+)(\/.*)?$/.exec(path))) {
    const h = state.holdings.find((x) => x.id === decodeURIComponent(m[1]))
    if (!h) return err(404, 'HOLDING_NOT_FOUND', 'No such holding.', '存单不存在。')
    const rest = m[2] || ''
    if (method === 'GET' && rest === '') return ok(h)
    if (method === 'PUT' && rest === '/maturity') {
      h.auto_rollover = Boolean(body.auto_rollover)
      return ok(h)
    }
    if (method === 'GET' && rest === '/withdrawal-trial') {
      const fen = query.get('amount') ? parse(query.get('amount')) : parse(h.principal)
      const days = 107
      const int = Math.floor((fen * 5 * days * 2 + 100 * 100 * 360) / (100 * 100 * 360 * 2))
      return ok({ amount: fmt(fen), interest: fmt(int), rate_applied: '0.05', days, early: true })
    }
    if (method === 'POST' && rest === '/withdraw') {
      const bad = checkPin(body.pin)
      if (bad) return bad
      return idempotent(body, () => {
        const fen = body.amount ? parse(body.amount) : parse(h.principal)
        if (body.amount) {
          if (h.partial_withdrawn) return err(422, 'PARTIAL_ALREADY_USED', 'Only one partial withdrawal.', '该存单已部分支取过一次。')
          if (parse(h.principal) - fen < 5000) return err(422, 'REMAINDER_BELOW_MINIMUM', 'What stays must be at least 50.00.', '剩余本金不得低于起存金额50.00元。')
          h.principal = fmt(parse(h.principal) - fen)
          h.partial_withdrawn = true
        } else {
          h.status = 'withdrawn'
        }
        const r = line('early_withdrawal', fen, '存款提前支取')
        return ok({ holding: h, amount: fmt(fen), interest: '1.47', receipt_no: r.receipt_no })
      })
    }
  }
  if (method === 'GET' && path === '/api/v1/receipts') return ok(state.receipts.slice(0, 30))
  if ((m = /^\/api\/v1\/receipts\/([^/]+)(\/pdf)?$/.exec(path)) && method === 'GET') {
    const r = state.receipts.find((x) => x.receipt_no === decodeURIComponent(m[1]))
    if (!r) return err(404, 'RECEIPT_NOT_FOUND', 'No such receipt.', '回单不存在。')
    if (m[2]) return { status: 200, raw: minimalPdf(r), type: 'application/pdf' }
    return ok(r)
  }
  return err(404, 'NOT_FOUND', 'Not found.', '记录不存在。')
}

// Remote account opening, greatly simplified: every photo "reads" as the same person, every
// face passes; the card must pass Luhn, the SMS code is in /sandbox/sms, the PIN must not be weak.
const AGREEMENTS = [
  { id: 'face_data_consent', version: '2025.1', title_zh: '人脸信息处理单独同意书', title_en: 'Separate consent to processing face data', text_zh: '为核验您的身份，本行将采集您的人脸图像并与公安机关留存照片或您的身份证照片比对。（模拟）', at_step: 'face' },
  { id: 'account_terms', version: '2025.1', title_zh: '电子账户服务协议', title_en: 'Electronic account terms', text_zh: 'Ⅱ类电子账户仅可与本人绑定的Ⅰ类借记账户之间转入转出资金……（模拟）', at_step: 'submit' },
  { id: 'privacy_policy', version: '2025.1', title_zh: '个人信息保护政策', title_en: 'Privacy policy', text_zh: '本行依据《个人信息保护法》处理您的个人信息……（模拟）', at_step: 'submit' },
]
const NEXT = { application: 'id_card', id_card: 'identity', identity: 'face', face: 'card', card: 'card_confirm', card_confirmed: 'submit' }
const apps = new Map() // phone → application

function appView(a) {
  return { id: a.id, status: a.status, next_step: NEXT[a.status] || null, created_at: a.created, updated_at: new Date().toISOString(), expires_at: null, challenge: a.status === 'identity' ? a.challenge : null, reasons: [], residence_proof: false }
}

function challenge() {
  const all = ['turn_left', 'turn_right', 'open_mouth', 'blink']
  const actions = [0, 1, 2].map((i) => all[(Math.floor(Math.random() * 4) + i) % 4])
  return { nonce: randomUUID().slice(0, 12), actions, expires_at: new Date(Date.now() + 300000).toISOString(), frames_expected: 3 }
}

async function onboardingApi(method, path, body, phone, hasAccount) {
  if (!path.startsWith('/api/v1/onboarding')) return null
  if (method === 'GET' && path === '/api/v1/onboarding/agreements') return ok({ items: AGREEMENTS })
  const a = apps.get(phone)
  if (method === 'GET' && path === '/api/v1/onboarding/current') {
    return a && a.status !== 'opened' ? ok(appView(a)) : err(404, 'ONBOARDING_NOT_FOUND', 'No such application.', '开户申请不存在。')
  }
  if (method === 'POST' && path === '/api/v1/onboarding') {
    if (hasAccount) return err(409, 'ACCOUNT_ALREADY_OPEN', 'You already have an account.', '您已在本行开立Ⅱ类账户，不能重复开立。')
    if (a && a.status !== 'opened') return ok(appView(a))
    const created = { id: state.seq++, status: 'application', created: new Date().toISOString() }
    apps.set(phone, created)
    return ok(appView(created), 201)
  }
  const m = /^\/api\/v1\/onboarding\/(\d+)(\/.*)?$/.exec(path)
  if (!m || !a || String(a.id) !== m[1]) return err(404, 'ONBOARDING_NOT_FOUND', 'No such application.', '开户申请不存在。')
  const step = `${method} ${m[2] || ''}`
  const move = (status, extra = {}) => {
    a.status = status
    return ok({ id: a.id, status, next_step: NEXT[status] || null, ...extra })
  }
  await new Promise((r) => setTimeout(r, 500))
  if (step === 'GET ') return ok(appView(a))
  if (step === 'POST /id-card') {
    return move('id_card', { fields: { name: '张伟', sex: '男', ethnicity: '汉', birth_date: '1988-06-15', address: '广东省深圳市南山区科技园南路18号3栋502房', id_number: '440305198806151315', authority: '深圳市公安局南山分局', valid_from: '2016-08-01', valid_to: '2036-08-01', long_term: false }, confidence: {}, warnings: [] })
  }
  if (step === 'POST /identity') {
    a.challenge = challenge()
    return move('identity', { citizen_id_check: 'match', challenge: a.challenge })
  }
  if (step === 'GET /face/challenge') return ok(a.challenge || (a.challenge = challenge()))
  if (step === 'POST /face') return move('face', { face_match: { passed: true, source: 'registry' }, liveness: { passed: true } })
  if (step === 'POST /card') {
    const digits = String(body.card_number || '')
    if (!/^\d{16,19}$/.test(digits)) return err(422, 'INVALID_CARD_NUMBER', 'The card number is not valid.', '银行卡号格式不正确。')
    if (body.phone !== phone) return err(422, 'CARD_PHONE_NOT_LOGIN_PHONE', 'Log in with the reserved mobile.', '请使用该卡的银行预留手机号登录后开户。')
    state.sms.set(phone, String(100000 + Math.floor(Math.random() * 900000)))
    return move('card', { card: { bank: '中国工商银行', card_no_masked: `****${digits.slice(-4)}` }, sms_sent_to: `${phone.slice(0, 3)}****${phone.slice(-4)}`, expires_in: 300 })
  }
  if (step === 'POST /card/confirm') {
    if (state.sms.get(phone) !== body.code) return err(422, 'CARD_SMS_CODE_INVALID', 'The SMS code is wrong or has expired.', '短信验证码错误或已过期，请重新获取。')
    return move('card_confirmed', { card: { bank: '中国工商银行', card_no_masked: '****0004' } })
  }
  if (step === 'POST /submit') {
    if (!/^\d{6}$/.test(body.pin || '') || new Set(body.pin).size === 1 || '0123456789'.includes(body.pin)) {
      return err(422, 'PIN_INVALID_FORMAT', 'The PIN must be 6 digits and not trivially guessable.', '交易密码须为6位数字，且不能过于简单。')
    }
    state.hasAccount.add(phone)
    state.openedPin = body.pin // the mock's one extra PIN: whoever opened an account here
    a.status = 'opened'
    return ok({ id: a.id, status: 'opened', account_no: '6236 **** **** 5678', reason: null, reasons: [] })
  }
  return err(404, 'NOT_FOUND', 'Not found.', '记录不存在。')
}

function minimalPdf(r) {
  const text = `Receipt ${r.receipt_no}  CNY ${r.amount}`
  const stream = `BT /F1 14 Tf 40 760 Td (${text}) Tj ET`
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let out = '%PDF-1.4\n'
  const offsets = []
  objs.forEach((o, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

async function serveStatic(res, urlPath) {
  const rel = normalize(decodeURIComponent(urlPath.replace(/^\/m\/?/, ''))).replace(/^(\.\.[/\\])+/, '')
  let file = join(DIST, rel)
  try {
    if (!rel || !(await stat(file)).isFile()) throw new Error('dir')
  } catch {
    file = join(DIST, 'index.html') // SPA fallback
  }
  try {
    const data = await readFile(file)
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' })
    res.end(data)
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('build the app first: npm run build')
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  try {
    if (url.pathname === '/' ) {
      res.writeHead(302, { location: '/m/' })
      return res.end()
    }
    if (url.pathname.startsWith('/sandbox/sms/')) {
      const code = state.sms.get(decodeURIComponent(url.pathname.slice('/sandbox/sms/'.length)))
      res.writeHead(code ? 200 : 404, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(code ? { phone: url.pathname.split('/').pop(), code, text: `【开源银行】验证码${code}，5分钟内有效。` } : { error: { code: 'NOT_FOUND', message: 'No SMS.', message_zh: '没有短信。' } }))
    }
    if (url.pathname.startsWith('/api/')) {
      let body = {}
      const chunks = []
      for await (const c of req) chunks.push(c)
      const raw = Buffer.concat(chunks)
      if ((req.headers['content-type'] || '').includes('json') && raw.length) body = JSON.parse(raw.toString('utf8'))
      const out = await api(req.method, url.pathname, url.searchParams, body, req)
      if (out.raw) {
        res.writeHead(out.status, { 'content-type': out.type })
        return res.end(out.raw)
      }
      res.writeHead(out.status, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(out.body))
    }
    if (url.pathname === '/m' || url.pathname.startsWith('/m/')) return serveStatic(res, url.pathname)
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
  } catch (e) {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: String(e && e.message), message_zh: '系统繁忙，请稍后再试。' } }))
  }
})

server.listen(PORT, HOST, () => {
  console.log(`mock opendeposit at http://${HOST}:${PORT}/m/  (PIN 123456; phone 13800138000 has an account)`)
})
