// 开立账户 on the mini-program: ID card photos → fields → consent → camera liveness (one frame
// per action, one upload) → card + SMS (no countdown before it is asked for) → agreements →
// the PIN twice → opened.
const { render, text, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')
const config = require('../src/config.js')

const { CHALLENGE, FIELDS, expectSigned, multipartNames, server } = require('./openFixtures.js')

let takePhoto

beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
  session.setToken('tok', 1800)
  session.setPhone('13900139000')
  wx.chooseMedia.mockImplementation((o) => o.success({ tempFiles: [{ tempFilePath: `wxfile://tmp/${o.sourceType[0]}-${Math.random()}.jpg` }] }))
  let shot = 0
  takePhoto = jest.fn((o) => o.success({ tempImagePath: `wxfile://tmp/shot-${(shot += 1)}.jpg` }))
  wx.createCameraContext.mockImplementation(() => ({ takePhoto }))
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
  expect(multipartNames(face)).toEqual(['face_consent_version', 'nonce', 'mirrored', 'capture', 'selfie', 'frames', 'frames'])
  const { doc, parts } = expectSigned(face, CHALLENGE)
  const field = (name) => parts.find((p) => p.name === name).value
  expect([field('face_consent_version'), field('nonce'), field('mirrored')]).toEqual(['2025.1', 'n-1', 'false'])
  expect(parts.filter((p) => p.data.length > 0 && p.filename).map((p) => p.value)).toEqual(
    ['bytes of wxfile://tmp/shot-1.jpg', 'bytes of wxfile://tmp/shot-2.jpg', 'bytes of wxfile://tmp/shot-3.jpg']) // selfie, then the frames
  // each picture's time is when it was taken after its prompt (3 s countdown each), not invented
  expect(doc.frames[1].t - doc.frames[0].t).toBeGreaterThanOrEqual(3000)
  // the front camera's pictures as the camera sees them, not mirrored like the preview
  expect(takePhoto.mock.calls.map(([o]) => [o.selfieMirror, o.quality])).toEqual([[false, 'normal'], [false, 'normal'], [false, 'normal']])

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
  const next = { ...CHALLENGE, nonce: 'n-2', actions: ['open_mouth', 'turn_right'], capture_key: Buffer.alloc(32, 7).toString('base64url') }
  let tries = 0
  const seen = server({
    'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'identity', next_step: 'face' }),
    'POST /api/v1/onboarding/7/face': () => ((tries += 1) === 1
      ? [422, { error: { code: 'LIVENESS_FAILED', message: 'Not live.', message_zh: '活体检测未通过，请按新的动作提示重试。', details: { challenge: next } } }]
      : { id: 7, status: 'face', next_step: 'card' }),
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
  expectSigned(seen.find((r) => r.path.endsWith('/face')), CHALLENGE)
  // the next attempt: new pictures, signed for the new challenge (its nonce, key and actions)
  open.setData({ 'face.selfie': 's2.jpg', 'face.frames': ['c.jpg', 'd.jpg'] })
  await open.instance.onFaceSubmit()
  await settle()
  const second = seen.filter((r) => r.path.endsWith('/face'))[1]
  expect(expectSigned(second, next).doc.nonce).toBe('n-2')
  expect(open.data.page).toBe('card')
})
