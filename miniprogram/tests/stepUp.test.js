// A money call that answers 403 STEP_UP_REQUIRED: the SMS code in WeChat's dialog, then the same
// body and idempotency key again with step_up_id (api.md "Step-up and lifecycle").
const { fakeServer, settle, body } = require('./helpers.js')
const { api } = require('../src/lib/request.js')
const { createPinFlow } = require('../src/lib/pin.js')
const { smsStepUp, cleanCode } = require('../src/lib/stepUp.js')

const STEP_UP = [403, { error: { code: 'STEP_UP_REQUIRED', message: 'Please verify it is you.', message_zh: '请先完成身份验证。', details: { step_up_id: 'su_1', methods: ['face', 'sms'] } } }]

function flowWith(handlers) {
  return createPinFlow({
    post: (b) => api.post('/account/top-up', b),
    onPinError: jest.fn(), onFailed: jest.fn(), onUncertain: jest.fn(),
    stepUp: (err) => smsStepUp(err),
    ...handlers,
  })
}

test('the code is asked in WeChat\'s dialog, confirmed, and the same call repeated with step_up_id', async () => {
  let tries = 0
  const seen = fakeServer({
    'POST /api/v1/account/top-up': () => (tries++ === 0 ? STEP_UP : { status: 'succeeded', amount: '9.00' }),
    'POST /api/v1/step-up/su_1/sms': () => [202, { sent: true }],
    'POST /api/v1/step-up/su_1/sms/confirm': () => ({ status: 'passed' }),
  })
  wx.showModal.mockImplementation((o) => o.success({ confirm: true, content: ' 12 3456 ' }))
  const onSuccess = jest.fn()
  const flow = flowWith({ onSuccess })
  flow.open({ amount: '9.00' })
  await flow.submit('135790')
  await settle()
  const calls = seen.filter((r) => r.path === '/api/v1/account/top-up').map(body)
  expect(calls).toHaveLength(2)
  expect(calls[1]).toEqual({ ...calls[0], step_up_id: 'su_1' }) // same key, same body
  expect(body(seen.find((r) => r.path === '/api/v1/step-up/su_1/sms/confirm'))).toEqual({ code: '123456' })
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ editable: true, title: '需要验证身份' }))
  expect(onSuccess).toHaveBeenCalledWith({ status: 'succeeded', amount: '9.00' }, calls[1])
})

test('cancelling the code dialog ends the attempt with the server\'s sentence, nothing repeated', async () => {
  const seen = fakeServer({
    'POST /api/v1/account/top-up': () => STEP_UP,
    'POST /api/v1/step-up/su_1/sms': () => [202, { sent: true }],
  })
  wx.showModal.mockImplementation((o) => o.success({ confirm: false, cancel: true }))
  const onFailed = jest.fn()
  const flow = flowWith({ onSuccess: jest.fn(), onFailed })
  flow.open({ amount: '9.00' })
  await flow.submit('135790')
  await settle()
  expect(seen.filter((r) => r.path === '/api/v1/account/top-up')).toHaveLength(1)
  expect(onFailed).toHaveBeenCalledWith(expect.objectContaining({ code: 'STEP_UP_REQUIRED' }), expect.stringContaining('身份验证'))
})

test('a face-only step-up is not passed by SMS', async () => {
  const err = { details: { step_up_id: 'su_2', methods: ['face'] } }
  const client = { post: jest.fn() }
  expect(await smsStepUp(err, { client })).toBe(null)
  expect(client.post).not.toHaveBeenCalled()
  expect(cleanCode('a1b2c3d4e5f6g7')).toBe('123456')
})
