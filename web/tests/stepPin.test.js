// The wizard's last page: the new PIN twice on the secure keypad, then the submission.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { reactive } from 'vue'

vi.mock('../src/api.js', async (importOriginal) => {
  const real = await importOriginal()
  return { ...real, api: { ...real.api, post: vi.fn() } }
})

const { api, ApiError } = await import('../src/api.js')
const { setMessages, setLocale } = await import('../src/i18n.js')
const messages = (await import('../m/src/locales.js')).default
const StepPin = (await import('../m/src/components/open/StepPin.vue')).default

const AGREEMENTS = [
  { id: 'face_data_consent', version: '2025.1', at_step: 'face' },
  { id: 'account_terms', version: '2025.1', at_step: 'submit' },
  { id: 'privacy_policy', version: '2025.1', at_step: 'submit' },
]

function wizard() {
  return {
    state: reactive({
      app: { id: 7, status: 'card_confirmed' },
      birthDate: '1988-06-15',
      agreements: AGREEMENTS,
      accepted: { account_terms: true, privacy_policy: true },
      needsProof: false,
      agreementsMessage: '',
    }),
    finished: vi.fn(),
    go: vi.fn(),
    handleFlowError: vi.fn(() => false),
  }
}

function mountPin(w) {
  return mount(StepPin, {
    global: { provide: { wizard: w }, stubs: { 'van-loading': true } },
  })
}

async function enter(wrapper, pin) {
  for (const d of pin) await wrapper.find(`button[data-digit="${d}"]`).trigger('click')
  await flushPromises()
}

const heading = (wrapper) => wrapper.find('.pin-heading')
const error = (wrapper) => wrapper.find('.pin-error').text()

beforeAll(() => {
  setMessages(messages)
  setLocale('zh-CN')
})

beforeEach(() => {
  api.post.mockReset()
})

describe('StepPin', () => {
  it('asks twice, then submits the PIN with the accepted agreements', async () => {
    api.post.mockResolvedValue({ id: 7, status: 'opened', account_no: '6230 **** **** 0039' })
    const w = wizard()
    const wrapper = mountPin(w)
    expect(heading(wrapper).attributes('data-phase')).toBe('1')
    await enter(wrapper, '135790')
    expect(heading(wrapper).attributes('data-phase')).toBe('2')
    expect(api.post).not.toHaveBeenCalled()
    await enter(wrapper, '135790')
    expect(api.post).toHaveBeenCalledWith('/onboarding/7/submit', {
      pin: '135790',
      agreements: [
        { id: 'account_terms', version: '2025.1' },
        { id: 'privacy_policy', version: '2025.1' },
      ],
    }, expect.any(Object))
    expect(w.finished).toHaveBeenCalledWith(expect.objectContaining({ status: 'opened' }))
  })

  it('refuses a weak PIN or the birthday before the second entry', async () => {
    const wrapper = mountPin(wizard())
    await enter(wrapper, '123456')
    expect(heading(wrapper).attributes('data-phase')).toBe('1')
    expect(error(wrapper)).toContain('连续')
    await enter(wrapper, '880615')
    expect(error(wrapper)).toContain('生日')
    expect(api.post).not.toHaveBeenCalled()
  })

  it('starts over when the two entries differ', async () => {
    const wrapper = mountPin(wizard())
    await enter(wrapper, '135790')
    await enter(wrapper, '135791')
    expect(heading(wrapper).attributes('data-phase')).toBe('1')
    expect(error(wrapper)).toContain('不一致')
    expect(api.post).not.toHaveBeenCalled()
  })

  it('sends the customer back to the agreements when the server wants them again', async () => {
    api.post.mockRejectedValue(new ApiError({ code: 'AGREEMENTS_MISSING', status: 422, messageZh: '请阅读并同意全部协议（最新版本）。' }))
    const w = wizard()
    const wrapper = mountPin(w)
    await enter(wrapper, '135790')
    await enter(wrapper, '135790')
    expect(w.go).toHaveBeenCalledWith('agreements')
    expect(w.state.accepted).toEqual({})
    expect(w.state.agreementsMessage).toContain('协议')
    expect(w.finished).not.toHaveBeenCalled()
  })

  it('asks for a proof of residence when the bank needs one', async () => {
    api.post.mockRejectedValue(new ApiError({ code: 'RESIDENCE_PROOF_REQUIRED', status: 422, messageZh: '请上传居住证明' }))
    const w = wizard()
    const wrapper = mountPin(w)
    await enter(wrapper, '135790')
    await enter(wrapper, '135790')
    expect(w.state.needsProof).toBe(true)
    expect(w.go).toHaveBeenCalledWith('agreements')
  })

  it('shows the server sentence for anything else and lets the customer try again', async () => {
    api.post.mockRejectedValue(new ApiError({ code: 'SERVER_ERROR', status: 503, messageZh: '系统繁忙，请稍后再试。' }))
    const wrapper = mountPin(wizard())
    await enter(wrapper, '135790')
    await enter(wrapper, '135790')
    expect(error(wrapper)).toBe('系统繁忙，请稍后再试。')
    expect(heading(wrapper).attributes('data-phase')).toBe('1')
  })
})
