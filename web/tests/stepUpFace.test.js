import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('vant', () => ({
  showConfirmDialog: vi.fn(),
  showDialog: vi.fn(() => Promise.resolve()),
  showToast: vi.fn(),
  showSuccessToast: vi.fn(),
  Field: { name: 'VanField', props: ['modelValue'] },
}))

const { showDialog } = await import('vant')
const { faceStepUp, passStepUp, reactivate, reactivatable } = await import('../m/src/stepUpFace.js')
const { usePinFlow } = await import('../m/src/usePinFlow.js')
const { ApiError } = await import('../src/errors.js')

const required = (methods = ['face']) =>
  new ApiError({ code: 'STEP_UP_REQUIRED', status: 403, messageZh: '请先完成身份验证', details: { step_up_id: 'su_9', methods } })
const challenge = (nonce) => ({ nonce, actions: ['blink', 'turn_left'], capture_key: 'a2V5', expires_at: '2099-01-01T00:00:00Z' })
const pictures = { selfie: 's', frames: ['f1', 'f2'], times: [0, 300, 600], mirrored: false }

describe('faceStepUp', () => {
  it('takes the pictures for the challenge, uploads them and answers the id', async () => {
    const client = { get: vi.fn(async () => challenge('n1')) }
    const capture = vi.fn(async () => pictures)
    const upload = vi.fn(async () => ({ status: 'verified' }))
    expect(await faceStepUp(required(), { client, capture, upload })).toBe('su_9')
    expect(client.get).toHaveBeenCalledWith('/step-up/su_9/challenge')
    expect(capture).toHaveBeenCalledWith(challenge('n1'), null)
    expect(upload).toHaveBeenCalledWith('/step-up/su_9/face', challenge('n1'), pictures)
  })

  it('after a refusal shows its sentence and takes new pictures for the next challenge', async () => {
    const client = { get: vi.fn(async () => challenge('n1')) }
    const refusal = new ApiError({ code: 'LIVENESS_ACTION_FAILED', status: 422, messageZh: '未检测到指定动作', details: { challenge: challenge('n2'), attempts_left: 2 } })
    const upload = vi.fn().mockRejectedValueOnce(refusal).mockResolvedValueOnce({ status: 'verified' })
    const capture = vi.fn(async () => pictures)
    expect(await faceStepUp(required(), { client, capture, upload })).toBe('su_9')
    expect(capture.mock.calls.map((c) => [c[0].nonce, c[1]])).toEqual([['n1', null], ['n2', refusal]])
    expect(upload.mock.calls[1][1].nonce).toBe('n2')
    expect(client.get).toHaveBeenCalledTimes(1) // the refusal carried the next challenge
  })

  it('asks for the live challenge again when the last one expired or the upload outcome is unknown', async () => {
    const client = { get: vi.fn().mockResolvedValueOnce(challenge('n1')).mockResolvedValueOnce(challenge('n2')).mockResolvedValueOnce(challenge('n3')) }
    const upload = vi.fn()
      .mockRejectedValueOnce(new ApiError({ code: 'LIVENESS_CHALLENGE_EXPIRED', status: 409 }))
      .mockRejectedValueOnce(new ApiError({ code: 'NETWORK_ERROR', status: 0 }))
      .mockResolvedValueOnce({})
    const capture = vi.fn(async () => pictures)
    expect(await faceStepUp(required(), { client, capture, upload })).toBe('su_9')
    expect(upload.mock.calls.map((c) => c[1].nonce)).toEqual(['n1', 'n2', 'n3'])
  })

  it('throws what ends the step-up (the third refusal) and answers null when the customer gives up', async () => {
    const client = { get: vi.fn(async () => challenge('n1')) }
    const failed = new ApiError({ code: 'STEP_UP_FAILED', status: 403, messageZh: '验证失败次数过多' })
    await expect(faceStepUp(required(), { client, capture: async () => pictures, upload: async () => { throw failed } })).rejects.toBe(failed)
    const upload = vi.fn()
    expect(await faceStepUp(required(), { client, capture: async () => null, upload })).toBeNull()
    expect(upload).not.toHaveBeenCalled()
  })

  it('offers nothing when the step-up does not allow face', async () => {
    const client = { get: vi.fn() }
    expect(await faceStepUp(required(['sms']), { client, capture: vi.fn(), upload: vi.fn() })).toBeNull()
    expect(client.get).not.toHaveBeenCalled()
  })
})

describe('passStepUp', () => {
  it('uses SMS when offered, face for a face-only step-up', async () => {
    const sms = vi.fn(async () => 'by-sms')
    const face = vi.fn(async () => 'by-face')
    expect(await passStepUp(required(['face', 'sms']), { sms, face })).toBe('by-sms')
    expect(await passStepUp(required(['face']), { sms, face })).toBe('by-face')
    expect(face).toHaveBeenCalledTimes(1)
    expect(await passStepUp(new ApiError({ code: 'STEP_UP_REQUIRED', status: 403 }), { sms, face })).toBeNull()
  })
})

describe('reactivate', () => {
  it('passes the face step-up the reactivation asks for, then repeats it with step_up_id', async () => {
    const client = {
      post: vi.fn().mockRejectedValueOnce(required(['face'])).mockResolvedValueOnce({ status: 'normal' }),
    }
    const passFace = vi.fn(async () => 'su_9')
    expect(await reactivate({ client, passFace })).toEqual({ status: 'normal' })
    expect(client.post.mock.calls).toEqual([
      ['/account/reactivate', {}],
      ['/account/reactivate', { step_up_id: 'su_9' }],
    ])
  })

  it('stops when the customer gives up, and throws a refusal (not dormant)', async () => {
    const client = { post: vi.fn().mockRejectedValueOnce(required(['face'])) }
    expect(await reactivate({ client, passFace: async () => null })).toBeNull()
    expect(client.post).toHaveBeenCalledTimes(1)
    const notDormant = new ApiError({ code: 'ACCOUNT_NOT_DORMANT', status: 409 })
    await expect(reactivate({ client: { post: async () => { throw notDormant } }, passFace: vi.fn() })).rejects.toBe(notDormant)
  })

  it('knows the statuses dormancy sets', () => {
    expect(reactivatable({ status: 'non_counter_suspended' })).toBe(true)
    expect(reactivatable({ status: 'dormant' })).toBe(true)
    expect(reactivatable({ status: 'normal' })).toBe(false)
    expect(reactivatable(null)).toBe(false)
  })
})

describe('a money call on an account suspended for inactivity', () => {
  beforeEach(() => vi.clearAllMocks())
  const dormant = () => new ApiError({ code: 'REVERIFICATION_REQUIRED', status: 403, messageZh: '账户长期未使用', details: { next: '/api/v1/account/reactivate' } })

  it('re-verifies by face, then opens the PIN sheet again for the same payload (a new attempt)', async () => {
    const post = vi.fn().mockRejectedValueOnce(dormant()).mockResolvedValueOnce({ status: 'succeeded' })
    const reactivateFn = vi.fn(async () => ({ status: 'normal' }))
    const onSuccess = vi.fn()
    const flow = usePinFlow({ post, onSuccess, reactivate: reactivateFn })
    flow.open({ product_code: 'TD1Y', amount: '50.00' })
    flow.submitPin('135790')
    await vi.waitFor(() => expect(reactivateFn).toHaveBeenCalled())
    await vi.waitFor(() => expect(flow.show.value).toBe(true)) // the PIN sheet, again
    expect(flow.busy.value).toBe(false)
    flow.submitPin('135790')
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled())
    const [first, second] = post.mock.calls.map((c) => c[0])
    expect(second.product_code).toBe('TD1Y')
    expect(second.amount).toBe('50.00')
    expect(second.idempotency_key).not.toBe(first.idempotency_key)
    expect(showDialog).not.toHaveBeenCalled()
  })

  it('stays closed when the customer gives up the re-verification, and explains a refusal', async () => {
    const post = vi.fn().mockRejectedValue(dormant())
    const flow = usePinFlow({ post, onSuccess: vi.fn(), reactivate: vi.fn(async () => null) })
    flow.open({ amount: '1.00' })
    flow.submitPin('135790')
    await vi.waitFor(() => expect(flow.busy.value).toBe(false))
    expect(flow.show.value).toBe(false)
    expect(post).toHaveBeenCalledTimes(1)

    const failed = new ApiError({ code: 'STEP_UP_FAILED', status: 403, messageZh: '人脸验证未通过' })
    const flow2 = usePinFlow({ post, onSuccess: vi.fn(), reactivate: vi.fn(async () => { throw failed }) })
    flow2.open({ amount: '1.00' })
    flow2.submitPin('135790')
    await vi.waitFor(() => expect(showDialog).toHaveBeenCalled())
    expect(showDialog.mock.calls[0][0].message).toBe('人脸验证未通过')
  })
})
