import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('vant', () => ({
  showConfirmDialog: vi.fn(),
  showDialog: vi.fn(() => Promise.resolve()),
  showToast: vi.fn(),
  showSuccessToast: vi.fn(),
}))

const { showConfirmDialog, showDialog } = await import('vant')
const { usePinFlow } = await import('../m/src/usePinFlow.js')
const { ApiError } = await import('../src/errors.js')

const networkError = () => new ApiError({ code: 'NETWORK_ERROR', status: 0 })
const wrongPin = () => new ApiError({ code: 'PIN_INCORRECT', status: 422, messageZh: '交易密码错误' })

function deferred() {
  let resolve
  const promise = new Promise((r) => (resolve = r))
  return { promise, resolve }
}

describe('usePinFlow (idempotency and double submit)', () => {
  beforeEach(() => {
    vi.clearAllMocks()
  })

  it('sends the payload with the PIN and one idempotency key, then calls onSuccess', async () => {
    const post = vi.fn(async () => ({ balance: '10.00' }))
    const onSuccess = vi.fn()
    const flow = usePinFlow({ post, onSuccess })
    flow.open({ amount: '1.00' })
    expect(flow.show.value).toBe(true)
    await flow.submitPin('123456')
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled())
    const body = post.mock.calls[0][0]
    expect(body).toMatchObject({ amount: '1.00', pin: '123456' })
    expect(body.idempotency_key).toMatch(/^[0-9a-f-]{36}$/)
    expect(flow.show.value).toBe(false)
  })

  it('re-sends the very same body (same key) when the customer retries after a network error', async () => {
    const post = vi.fn().mockRejectedValueOnce(networkError()).mockResolvedValueOnce({ ok: true })
    showConfirmDialog.mockResolvedValueOnce(undefined) // "重试"
    const onSuccess = vi.fn()
    const flow = usePinFlow({ post, onSuccess })
    flow.open({ amount: '2.00' })
    flow.submitPin('123456')
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled())
    expect(post).toHaveBeenCalledTimes(2)
    expect(post.mock.calls[1][0]).toEqual(post.mock.calls[0][0])
  })

  it('keeps the key for the same attempt when the customer comes back later', async () => {
    const post = vi.fn().mockRejectedValueOnce(networkError()).mockResolvedValueOnce({ ok: true })
    showConfirmDialog.mockRejectedValueOnce(new Error('cancel')) // "稍后查看"
    const flow = usePinFlow({ post, onSuccess: vi.fn() })
    flow.open({ amount: '3.00' })
    flow.submitPin('123456')
    await vi.waitFor(() => expect(flow.busy.value).toBe(false))
    await vi.waitFor(() => expect(showConfirmDialog).toHaveBeenCalled())
    flow.open({ amount: '3.00' })
    flow.submitPin('123456')
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(post.mock.calls[1][0].idempotency_key).toBe(post.mock.calls[0][0].idempotency_key)
  })

  it('a different amount is a new attempt with a new key', async () => {
    const post = vi.fn().mockRejectedValueOnce(networkError()).mockResolvedValueOnce({ ok: true })
    showConfirmDialog.mockRejectedValueOnce(new Error('cancel'))
    const flow = usePinFlow({ post, onSuccess: vi.fn() })
    flow.open({ amount: '3.00' })
    flow.submitPin('123456')
    await vi.waitFor(() => expect(showConfirmDialog).toHaveBeenCalled())
    await vi.waitFor(() => expect(flow.busy.value).toBe(false))
    flow.open({ amount: '4.00' })
    flow.submitPin('123456')
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(post.mock.calls[1][0].idempotency_key).not.toBe(post.mock.calls[0][0].idempotency_key)
  })

  it('after a definite refusal (wrong PIN) the next try gets a new key and a fresh keypad', async () => {
    const post = vi.fn().mockRejectedValueOnce(wrongPin()).mockResolvedValueOnce({ ok: true })
    const flow = usePinFlow({ post, onSuccess: vi.fn() })
    flow.open({ amount: '5.00' })
    const before = flow.resetKey.value
    flow.submitPin('000000')
    await vi.waitFor(() => expect(flow.pinError.value).toBe('交易密码错误'))
    expect(flow.show.value).toBe(true)
    expect(flow.resetKey.value).toBe(before + 1)
    flow.submitPin('123456')
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(post.mock.calls[1][0].idempotency_key).not.toBe(post.mock.calls[0][0].idempotency_key)
    expect(showDialog).not.toHaveBeenCalled()
  })

  it('ignores a second submit while the first is in flight', async () => {
    const gate = deferred()
    const post = vi.fn(() => gate.promise)
    const flow = usePinFlow({ post, onSuccess: vi.fn() })
    flow.open({ amount: '6.00' })
    flow.submitPin('123456')
    flow.submitPin('123456')
    flow.open({ amount: '7.00' })
    expect(flow.busy.value).toBe(true)
    expect(post).toHaveBeenCalledTimes(1)
    gate.resolve({ ok: true })
    await vi.waitFor(() => expect(flow.busy.value).toBe(false))
  })
})
