import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('vant', () => ({
  showConfirmDialog: vi.fn(),
  showDialog: vi.fn(() => Promise.resolve()),
  showToast: vi.fn(),
  showSuccessToast: vi.fn(),
  Field: { name: 'VanField', props: ['modelValue'] },
}))

const { showDialog } = await import('vant')
const { usePinFlow } = await import('../m/src/usePinFlow.js')
const stepUpModule = await import('../m/src/stepUp.js')
const { smsStepUp } = stepUpModule
const { ApiError } = await import('../src/errors.js')

const stepUpRequired = (methods = ['face', 'sms']) =>
  new ApiError({ code: 'STEP_UP_REQUIRED', status: 403, messageZh: '请先完成身份验证', details: { step_up_id: 'su_1', methods } })

describe('a money call that answers 403 STEP_UP_REQUIRED', () => {
  beforeEach(() => vi.clearAllMocks())

  it('passes the step-up, then repeats the same body and key with step_up_id', async () => {
    const post = vi.fn().mockRejectedValueOnce(stepUpRequired()).mockResolvedValueOnce({ status: 'succeeded' })
    const stepUp = vi.fn(async () => 'su_1')
    const onSuccess = vi.fn()
    const flow = usePinFlow({ post, onSuccess, stepUp })
    flow.open({ amount: '5000.00' })
    flow.submitPin('135790')
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled())
    expect(stepUp).toHaveBeenCalledTimes(1)
    const [first, second] = post.mock.calls.map((c) => c[0])
    expect(second).toEqual({ ...first, step_up_id: 'su_1' })
    expect(first.step_up_id).toBeUndefined()
    expect(showDialog).not.toHaveBeenCalled()
  })

  it('explains and starts a new attempt when the customer gives up the step-up', async () => {
    const post = vi.fn().mockRejectedValue(stepUpRequired(['face']))
    const flow = usePinFlow({ post, onSuccess: vi.fn(), stepUp: vi.fn(async () => null) })
    flow.open({ amount: '1.00' })
    flow.submitPin('135790')
    await vi.waitFor(() => expect(showDialog).toHaveBeenCalled())
    expect(post).toHaveBeenCalledTimes(1)
    flow.open({ amount: '1.00' })
    flow.submitPin('135790')
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(post.mock.calls[1][0].idempotency_key).not.toEqual(post.mock.calls[0][0].idempotency_key)
  })
})

describe('smsStepUp', () => {
  it('sends the SMS, confirms the code (again after a wrong one) and returns the id', async () => {
    const calls = []
    const client = {
      post: vi.fn(async (path, body) => {
        calls.push([path, body])
        if (path.endsWith('/confirm') && body.code === '000000') {
          throw new ApiError({ code: 'STEP_UP_SMS_CODE_INVALID', status: 422 })
        }
        return { status: 'verified' }
      }),
    }
    const askCode = vi.fn().mockResolvedValueOnce('000000').mockResolvedValueOnce('246810')
    expect(await smsStepUp(stepUpRequired(), { client, askCode })).toBe('su_1')
    expect(calls).toEqual([
      ['/step-up/su_1/sms', {}],
      ['/step-up/su_1/sms/confirm', { code: '000000' }],
      ['/step-up/su_1/sms/confirm', { code: '246810' }],
    ])
    expect(askCode.mock.calls.map((c) => c[0])).toEqual([false, true])
  })

  it('offers nothing for a face-only step-up', async () => {
    const client = { post: vi.fn() }
    expect(await smsStepUp(stepUpRequired(['face']), { client, askCode: vi.fn() })).toBeNull()
    expect(client.post).not.toHaveBeenCalled()
  })
})

describe('the SMS code dialog', () => {
  const { promptCode, cleanCode } = stepUpModule

  it('keeps only six digits as they are typed', () => {
    expect(cleanCode('12 34-5678')).toBe('123456')
    expect(cleanCode(null)).toBe('')
  })

  it('asks in the app\'s dialog and answers the typed code, or null when cancelled', async () => {
    let options
    const confirm = vi.fn((o) => { options = o; return Promise.resolve() })
    const pending = promptCode(false, { dialog: confirm })
    // the dialog's field writes through its update handler, as Vant's Field does
    const vnode = options.message()
    const field = vnode.children[1]
    field.props['onUpdate:modelValue']('12a3456')
    expect(options.beforeClose('confirm')).toBe(true)
    expect(await pending).toBe('123456')
    expect(options.showCancelButton).toBe(true)

    const cancel = vi.fn((o) => { options = o; return Promise.reject(new Error('cancel')) })
    expect(await promptCode(true, { dialog: cancel })).toBe(null)
    expect(options.beforeClose('confirm')).toBe(false) // nothing typed: the dialog stays open
    expect(options.beforeClose('cancel')).toBe(true)
  })
})
