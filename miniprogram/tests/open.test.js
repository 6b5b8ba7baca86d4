// 开立账户 on the mini-program: ID card photos → fields → consent → camera liveness (one frame
// per action, one upload) → card + SMS (no countdown before it is asked for) → agreements →
// the PIN twice → opened.
const { render, text, fakeServer, apiError, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')
const config = require('../src/config.js')

const AGREEMENTS = { items: [
  { id: 'face_data_consent', version: '2025.1', title_zh: '人脸信息处理单独同意书', text_zh: '为核验您的身份……', at_step: 'face' },
  { id: 'account_terms', version: '2025.1', title_zh: '电子账户服务协议', text_zh: '……', at_step: 'submit' },
  { id: 'privacy_policy', version: '2025.1', title_zh: '个人信息保护政策', text_zh: '……', at_step: 'submit' },
] }
const FIELDS = { name: '张伟', id_number: '440305198806151315', valid_from: '2016-08-01', valid_to: '2036-08-01', address: '广东省深圳市南山区科技园南路18号', long_term: false }
const CHALLENGE = { nonce: 'n-1', actions: ['turn_left', 'blink'], expires_at: '2999-01-01T00:00:00Z', frames_expected: 2 }

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

beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
  session.setToken('tok', 1800)
  session.setPhone('13900139000')
  wx.chooseMedia.mockImplementation((o) => o.success({ tempFiles: [{ tempFilePath: `wxfile://tmp/${o.sourceType[0]}-${Math.random()}.jpg` }] }))
  let shot = 0
  wx.createCameraContext.mockImplementation(() => ({ takePhoto: (o) => o.success({ tempImagePath: `wxfile://tmp/shot-${(shot += 1)}.jpg` }) }))
})

afterEach(() => jest.useRealTimers())

test('the whole wizard, with the camera for the liveness frames', async () => {
  jest.useFakeTimers()
  const seen = server()
  const open = render('pages/open/index')
  open.instance.onLoad()
  await jest.runAllTimersAsync()
  expect(open.data.page).toBe('start')
  open.querySelector('#start').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(body(seen.find((r) => r.path === '/api/v1/onboarding')).device_id).toBe(session.deviceId())

  // 1. both sides of the ID card, one by camera and one from the album, uploaded together
  expect(open.data.page).toBe('idcard')
  open.instance.onIdPhoto({ currentTarget: { dataset: { side: 'front', source: 'camera' } } })
  open.instance.onIdPhoto({ currentTarget: { dataset: { side: 'back', source: 'album' } } })
  await jest.runAllTimersAsync()
  open.querySelector('#id-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(multipartNames(seen.find((r) => r.path.endsWith('/id-card')))).toEqual(['front', 'back'])

  // 2. the recognised fields, checked before they are sent
  expect(open.data.page).toBe('identity')
  expect(open.data.form.name).toBe('张伟')
  open.instance.onField({ currentTarget: { dataset: { field: 'idNumber' } }, detail: '440305198806151316' })
  open.querySelector('#confirm-identity').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(open.data.formErrors.id_number).toContain('校验位')
  expect(seen.filter((r) => r.path.endsWith('/identity')).length).toBe(0)
  open.instance.onField({ currentTarget: { dataset: { field: 'idNumber' } }, detail: '440305198806151315' })
  open.querySelector('#confirm-identity').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(body(seen.find((r) => r.path.endsWith('/identity')))).toEqual({
    name: '张伟', id_number: '440305198806151315', id_valid_from: '2016-08-01', id_valid_to: '2036-08-01', address: FIELDS.address })

  // the separate face-data consent
  expect(open.data.page).toBe('consent')
  expect(text(open)).toContain('人脸信息处理单独同意书')
  open.querySelector('#consent-agree').dispatchEvent('change', { detail: true })
  await jest.runAllTimersAsync()
  open.querySelector('#consent-accept').dispatchEvent('click')
  await jest.runAllTimersAsync()

  // 3. liveness: a selfie and one frame per action, each after its prompt, in one upload
  expect(open.data.page).toBe('face')
  expect(text(open)).toContain('向左转头')
  open.querySelector('#capture').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(open.data.face.frames.length).toBe(2)
  open.querySelector('#face-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  const face = seen.find((r) => r.path.endsWith('/face'))
  expect(multipartNames(face)).toEqual(['face_consent_version', 'nonce', 'mirrored', 'selfie', 'frames', 'frames'])
  const faceBody = Buffer.from(face.data).toString('utf8')
  expect(faceBody).toContain('2025.1')
  expect(faceBody).toContain('n-1')
  expect(faceBody).toContain('bytes of wxfile://tmp/shot-1.jpg') // the selfie, then the frames

  // 4. the card: no countdown before the customer asks for the code
  expect(open.data.page).toBe('card')
  expect(open.data.card.countdown).toBe(0)
  expect(open.data.card.phone).toBe('13900139000')
  open.instance.onCardInput({ detail: '6222 0202 0011 2233 446' })
  open.querySelector('#card-send').dispatchEvent('click')
  await jest.advanceTimersByTimeAsync(50)
  expect(body(seen.find((r) => r.path.endsWith('/card')))).toEqual({ card_number: '6222020200112233446', phone: '13900139000' })
  expect(open.data.card.countdown).toBe(60)
  open.instance.onCardCode({ detail: '123456' })
  open.querySelector('#card-next').dispatchEvent('click')
  await jest.runAllTimersAsync()

  // agreements, then the PIN twice
  expect(open.data.page).toBe('agreements')
  open.querySelector('#terms-next').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(open.data.termsMessage).toBeTruthy() // not before every one is ticked
  open.setData({ 'terms[0].accepted': true, 'terms[1].accepted': true })
  open.querySelector('#terms-next').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(open.data.page).toBe('pin')
  open.instance.onPin({ detail: { pin: '123456' } })
  expect(open.data.pinError).toContain('连续')
  open.instance.onPin({ detail: { pin: '135790' } })
  open.instance.onPin({ detail: { pin: '135791' } })
  expect(open.data.pinError).toContain('不一致')
  open.instance.onPin({ detail: { pin: '135790' } })
  open.instance.onPin({ detail: { pin: '135790' } })
  await jest.runAllTimersAsync()
  jest.useRealTimers()
  expect(body(seen.find((r) => r.path.endsWith('/submit')))).toEqual({
    pin: '135790', agreements: [{ id: 'account_terms', version: '2025.1' }, { id: 'privacy_policy', version: '2025.1' }] })
  expect(open.data.page).toBe('result')
  expect(open.data.result.kind).toBe('opened')
  expect(text(open)).toContain('6230 **** **** 1234')
  open.instance.onUnload()
})

test('an application in progress resumes where it stands', async () => {
  server({ 'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'card_confirmed', next_step: 'submit' }) })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  expect(open.data.page).toBe('agreements')
})

test('a customer with an account has nothing to open', async () => {
  server({ 'GET /api/v1/account': () => ({ balance: '0.00' }) })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  expect(open.data.page).toBe('has-account')
  expect(text(open)).toContain('无需重复开户')
})

test('a refused ID-card photo says which one and nothing moves on', async () => {
  const seen = server({
    'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'application', next_step: 'id_card' }),
    'POST /api/v1/onboarding/7/id-card': () => [422, { error: { code: 'ID_CARD_TOO_BLURRY', message: 'Blurry.', message_zh: '照片不够清晰，请重新拍摄。', details: { side: 'back' } } }],
  })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  open.setData({ 'idcard.front': 'wxfile://f.jpg', 'idcard.back': 'wxfile://b.jpg' })
  await open.instance.onIdSubmit()
  expect(open.data.idcard.bad).toBe('back')
  expect(open.data.idcard.message).toBe('照片不够清晰，请重新拍摄。')
  expect(seen.filter((r) => r.path.endsWith('/identity')).length).toBe(0)
})

test('a failed liveness shows the sentence and takes the next challenge', async () => {
  const next = { nonce: 'n-2', actions: ['open_mouth', 'turn_right'], expires_at: '2999-01-01T00:00:00Z' }
  const seen = server({
    'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'identity', next_step: 'face' }),
    'POST /api/v1/onboarding/7/face': () => [422, { error: { code: 'LIVENESS_FAILED', message: 'Not live.', message_zh: '活体检测未通过，请按新的动作提示重试。', details: { challenge: next } } }],
  })
  const open = render('pages/open/index')
  open.instance.consented = true
  open.instance.onLoad()
  await settle()
  expect(open.data.page).toBe('face')
  await open.instance.loadTerms()
  open.setData({ 'face.selfie': 's.jpg', 'face.frames': ['a.jpg', 'b.jpg'] })
  await open.instance.onFaceSubmit()
  await settle()
  expect(open.data.face.message).toBe('活体检测未通过，请按新的动作提示重试。')
  expect(open.data.face.actions.map((a) => a.key)).toEqual(['open_mouth', 'turn_right'])
  expect(open.data.face.selfie).toBe('') // new photos for the new challenge
  expect(open.data.page).toBe('face')
  expect(seen.filter((r) => r.path.endsWith('/face')).length).toBe(1)
})
