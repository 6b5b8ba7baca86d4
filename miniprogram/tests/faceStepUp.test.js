// The face on the mini-program's money pages (#10): a face-only step-up passed in the page's
// face-verify sheet with the camera, a refusal shown with the next challenge; an account
// suspended for inactivity re-verified by face (the sandbox kit) and the same top-up confirmed
// again with the PIN; the account page's suspension and its button.
const { render, text, fakeServer, settle, body } = require('./helpers.js')
const session = require('../src/lib/session.js')
const config = require('../src/config.js')
const i18n = require('../src/lib/i18n.js')
const { CHALLENGE, expectSigned, multipartNames } = require('./openFixtures.js')

const ACCOUNT = {
  account_no: '6230****1234', balance: '20000.00', status: 'normal', bound_card: { bank: '中国工商银行', card_no_masked: '****3445' },
  limits: [], opened_on: '2025-06-02',
}
const NEXT = { ...CHALLENGE, nonce: 'n-2', actions: ['open_mouth', 'turn_right'] }
const faceOnly = [403, { error: { code: 'STEP_UP_REQUIRED', message: 'Verify.', message_zh: '请先完成身份验证。', details: { step_up_id: 'su_5', methods: ['face'] } } }]
const dormant = [403, { error: { code: 'REVERIFICATION_REQUIRED', message: 'Inactive.', message_zh: '账户长期未使用，请先完成人脸识别验证后再使用。', details: { next: '/api/v1/account/reactivate' } } }]

let shot = 0
beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
  session.setToken('tok', 1800)
  session.setPhone('13900139001')
  i18n.setLocale('zh-CN')
  wx.createCameraContext.mockImplementation(() => ({ takePhoto: (o) => o.success({ tempImagePath: `wxfile://tmp/shot-${(shot += 1)}.jpg` }) }))
})
afterEach(() => {
  jest.useRealTimers()
  config.sandbox = true
})

async function toPin(move, amount) {
  move.instance.onLoad({ kind: 'top_up' })
  await jest.runAllTimersAsync()
  move.instance.onAmount({ detail: amount })
  move.querySelector('#next').dispatchEvent('click')
  await jest.runAllTimersAsync()
  move.querySelector('#confirm').dispatchEvent('click')
  await jest.runAllTimersAsync()
  move.instance.onPin({ detail: { pin: '135790' } })
  await jest.runAllTimersAsync()
}

test('a face-only step-up: the camera in the face sheet, a refusal with the next challenge, then the same top-up', async () => {
  jest.useFakeTimers()
  let tries = 0
  let faces = 0
  const seen = fakeServer({
    'GET /api/v1/account': () => ACCOUNT,
    'POST /api/v1/account/top-up': () => (tries++ === 0 ? faceOnly : { status: 'succeeded', order_no: 'T1', amount: '60000.00', balance: '80000.00' }),
    'GET /api/v1/step-up/su_5/challenge': () => CHALLENGE,
    'POST /api/v1/step-up/su_5/face': () => (faces++ === 0
      ? [422, { error: { code: 'LIVENESS_ACTION_FAILED', message: 'Action not seen.', message_zh: '未检测到指定动作，请按提示重新拍摄。', details: { challenge: NEXT, attempts_left: 2 } } }]
      : { step_up_id: 'su_5', status: 'verified', method: 'face' }),
  })
  const move = render('pages/move/index')
  await toPin(move, '60000')
  const sheet = move.querySelector('#face-verify')
  expect(sheet.data.show).toBe(true)
  expect(move.data.pin.show).toBe(false) // the face sheet instead of the PIN sheet
  expect(text(sheet)).toContain('人脸验证')
  expect(sheet.data.actions.map((a) => a.key)).toEqual(['turn_left', 'blink'])
  sheet.querySelector('#face-capture').dispatchEvent('click')
  await jest.runAllTimersAsync()
  sheet.querySelector('#face-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  // refused: the sentence, the next challenge's actions, pictures taken again for it
  expect(text(sheet)).toContain('未检测到指定动作，请按提示重新拍摄。 还可再试2次。')
  expect(sheet.data.actions.map((a) => a.key)).toEqual(['open_mouth', 'turn_right'])
  expect(sheet.data.selfie).toBe('')
  sheet.querySelector('#face-capture').dispatchEvent('click')
  await jest.runAllTimersAsync()
  sheet.querySelector('#face-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  const uploads = seen.filter((r) => r.path === '/api/v1/step-up/su_5/face')
  expect(uploads).toHaveLength(2)
  expect(multipartNames(uploads[1])).toEqual(['nonce', 'mirrored', 'capture', 'selfie', 'frames', 'frames'])
  const { doc } = expectSigned(uploads[1], NEXT) // signed for the next challenge, the new pictures
  expect(doc.nonce).toBe('n-2')
  expect(sheet.data.show).toBe(false)
  const calls = seen.filter((r) => r.path === '/api/v1/account/top-up').map(body)
  expect(calls).toHaveLength(2)
  expect(calls[1]).toEqual({ ...calls[0], step_up_id: 'su_5' }) // same body and key, verified
})

test('closing the face sheet ends the attempt with the server\'s sentence', async () => {
  jest.useFakeTimers()
  const seen = fakeServer({
    'GET /api/v1/account': () => ACCOUNT,
    'POST /api/v1/account/top-up': () => faceOnly,
    'GET /api/v1/step-up/su_5/challenge': () => CHALLENGE,
  })
  const move = render('pages/move/index')
  await toPin(move, '60000')
  const sheet = move.querySelector('#face-verify')
  sheet.querySelector('#face-close').dispatchEvent('tap')
  await jest.runAllTimersAsync()
  expect(sheet.data.show).toBe(false)
  expect(seen.filter((r) => r.path === '/api/v1/account/top-up')).toHaveLength(1)
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: expect.stringContaining('身份验证') }))
})

test('a dormant account: re-verified by face with the sandbox kit, then the same top-up with the PIN again', async () => {
  jest.useFakeTimers()
  config.sandbox = true
  let tries = 0
  const seen = fakeServer({
    'GET /api/v1/account': () => ACCOUNT,
    'POST /api/v1/account/top-up': () => (tries++ === 0 ? dormant : { status: 'succeeded', order_no: 'T2', amount: '2.00', balance: '20002.00' }),
    'POST /api/v1/account/reactivate': (req) => (body(req).step_up_id ? { status: 'normal' } : faceOnly),
    'GET /api/v1/step-up/su_5/challenge': () => CHALLENGE,
    'POST /api/v1/step-up/su_5/face': () => ({ step_up_id: 'su_5', status: 'verified', method: 'face' }),
    'GET /sandbox/identities': () => ({ items: [{ key: 'gd-guangzhou', name: '陈建国', phone: '13900139001', face_kit: '/sandbox/identities/gd-guangzhou/face-kit' }] }),
    'POST /sandbox/identities/gd-guangzhou/face-kit': (req) => ({ selfie: 'c2VsZmll', frames: body(req).actions.map((a) => Buffer.from(a).toString('base64')) }),
  })
  const move = render('pages/move/index')
  await toPin(move, '2')
  const sheet = move.querySelector('#face-verify')
  expect(sheet.data.mode).toBe('reactivate')
  expect(text(sheet)).toContain('账户长期未使用，请完成人脸验证以恢复使用')
  expect(text(sheet)).toContain('使用沙箱人脸素材（陈建国）') // the identity logged in with
  sheet.querySelector('#face-sandbox').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(body(seen.find((r) => r.path.endsWith('/face-kit')))).toMatchObject({ actions: ['turn_left', 'blink'], nonce: 'n-1' })
  sheet.querySelector('#face-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(seen.filter((r) => r.path === '/api/v1/account/reactivate').map(body)).toEqual([{}, { step_up_id: 'su_5' }])
  expect(sheet.data.show).toBe(false)
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '账户已恢复使用' }))
  expect(move.data.pin.show).toBe(true) // back to the same top-up, confirmed again
  move.instance.onPin({ detail: { pin: '135790' } })
  await jest.runAllTimersAsync()
  const calls = seen.filter((r) => r.path === '/api/v1/account/top-up').map(body)
  expect(calls).toHaveLength(2)
  expect(calls[1].amount).toBe('2.00')
  expect(calls[1].idempotency_key).not.toBe(calls[0].idempotency_key) // a new attempt
  expect(calls[1].step_up_id).toBeUndefined()
})

test('the account page: a suspension for inactivity, and its button to re-verify', async () => {
  jest.useFakeTimers()
  let status = 'non_counter_suspended'
  const seen = fakeServer({
    'GET /api/v1/account': () => ({ ...ACCOUNT, status }),
    'POST /api/v1/account/reactivate': (req) => {
      if (!body(req).step_up_id) return faceOnly
      status = 'normal'
      return { status }
    },
    'GET /api/v1/step-up/su_5/challenge': () => CHALLENGE,
    'POST /api/v1/step-up/su_5/face': () => ({ status: 'verified' }),
  })
  const account = render('pages/account/index')
  account.instance.onShow()
  await jest.runAllTimersAsync()
  expect(text(account)).toContain('账户长期未使用，已暂停使用')
  account.querySelector('#reverify').dispatchEvent('click')
  await jest.runAllTimersAsync()
  const sheet = account.querySelector('#face-verify')
  expect(sheet.data.show).toBe(true)
  sheet.querySelector('#face-capture').dispatchEvent('click')
  await jest.runAllTimersAsync()
  sheet.querySelector('#face-submit').dispatchEvent('click')
  await jest.runAllTimersAsync()
  expect(seen.filter((r) => r.path === '/api/v1/account/reactivate')).toHaveLength(2)
  expect(account.data.suspended).toBe(false)
  expect(account.querySelector('#suspended')).toBeUndefined()
})
