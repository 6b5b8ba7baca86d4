// The H5 face sheet: a face step-up (or a re-verification) taken with onboarding's capture.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'

const { setMessages, setLocale } = await import('../src/i18n.js')
const messages = (await import('../m/src/locales.js')).default
const { ApiError } = await import('../src/errors.js')
const { faceSheet, faceStepUpInSheet, answerSheet, pictureTaken } = await import('../m/src/faceVerify.js')
const FaceCapture = (await import('../m/src/components/face/FaceCapture.vue')).default

beforeAll(() => {
  setMessages(messages)
  setLocale('zh-CN')
})

const KEY = 'c2VjcmV0LWtleS1mb3ItdGVzdHM' // base64url
const challenge = (nonce) => ({ nonce, actions: ['blink'], capture_key: KEY, capture: { min_gap_ms: 200 }, expires_at: '2099-01-01T00:00:00Z' })
const jpeg = (name) => new File([new Uint8Array([0xff, 0xd8, name.length, 0xff, 0xd9])], name, { type: 'image/jpeg' })
const pictures = () => ({ selfie: jpeg('selfie.jpg'), frames: [jpeg('frame-0.jpg')], times: [100, 900], mirrored: false })
const stepUp = new ApiError({ code: 'STEP_UP_REQUIRED', status: 403, details: { step_up_id: 'su_7', methods: ['face'] } })

describe('faceStepUpInSheet', () => {
  it('shows the challenge, uploads the signed pictures, shows a refusal, closes when passed', async () => {
    const refusal = new ApiError({ code: 'FACE_MISMATCH', status: 422, messageZh: '人脸比对未通过', details: { challenge: challenge('n2'), attempts_left: 2, image: 'selfie' } })
    const forms = []
    const client = {
      get: vi.fn(async (path) => (path === '/sandbox/identities' ? { items: [] } : challenge('n1'))),
      upload: vi.fn(async (path, form) => {
        forms.push([path, form])
        if (forms.length === 1) throw refusal
        return { status: 'verified' }
      }),
    }
    const done = faceStepUpInSheet(stepUp, { mode: 'step_up', client })
    await vi.waitFor(() => expect(faceSheet.challenge && faceSheet.challenge.nonce).toBe('n1'))
    expect(faceSheet.show).toBe(true)
    answerSheet(pictures())
    await vi.waitFor(() => expect(faceSheet.challenge.nonce).toBe('n2'))
    expect(faceSheet.message).toBe('人脸比对未通过 还可再试2次。')
    expect(faceSheet.badPhoto).toBe('selfie')
    pictureTaken('selfie')
    expect(faceSheet.message).toBe('')
    expect(faceSheet.badPhoto).toBe('')
    answerSheet(pictures())
    expect(await done).toBe('su_7')
    expect(faceSheet.show).toBe(false)
    const [path, form] = forms[1]
    expect(path).toBe('/step-up/su_7/face')
    expect(form.get('nonce')).toBe('n2')
    expect(form.getAll('frames')).toHaveLength(1)
    const capture = JSON.parse(form.get('capture'))
    expect(capture.nonce).toBe('n2')
    expect(capture.frames.map((f) => [f.i, f.label, f.t])).toEqual([[0, 'selfie', 100], [1, 'blink', 900]])
    expect(form.get('face_consent_version')).toBeNull() // onboarding's field only
  })

  it('closing the sheet gives the step-up up', async () => {
    const client = { get: vi.fn(async () => challenge('n1')), upload: vi.fn() }
    const done = faceStepUpInSheet(stepUp, { mode: 'reactivate', client })
    await vi.waitFor(() => expect(faceSheet.challenge).not.toBeNull())
    expect(faceSheet.mode).toBe('reactivate')
    answerSheet(null)
    expect(await done).toBeNull()
    expect(client.upload).not.toHaveBeenCalled()
    expect(faceSheet.show).toBe(false)
  })
})

describe('FaceCapture', () => {
  const stubs = { 'van-loading': true, 'van-button': { template: '<button :disabled="disabled" @click="$emit(\'click\')"><slot /></button>', props: ['disabled'] }, 'van-icon': true, 'van-popup': true }

  it('emits the selfie and one frame per action, and forgets them for a new challenge', async () => {
    const wrapper = mount(FaceCapture, { props: { challenge: challenge('n1') }, global: { stubs } })
    expect(wrapper.findAll('li.action').map((li) => li.attributes('data-action'))).toEqual(['selfie', 'blink'])
    const submit = () => wrapper.find('.bottom-bar button')
    expect(submit().attributes('disabled')).toBeDefined()
    for (const [name, file] of [['selfie', jpeg('a.jpg')], ['frame-0', jpeg('b.jpg')]]) {
      const input = wrapper.find(`input[data-photo='${name}']`)
      Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
      await input.trigger('change')
    }
    await flushPromises()
    expect(wrapper.emitted('picked').map((e) => e[0])).toEqual(['selfie', 'frame:0'])
    expect(wrapper.findAll('img.preview')).toHaveLength(2)
    await submit().trigger('click')
    const [sent] = wrapper.emitted('submit')[0]
    expect(sent.selfie.name).toBe('a.jpg')
    expect(sent.frames.map((f) => f.name)).toEqual(['b.jpg'])
    expect(sent.times).toHaveLength(2)
    await wrapper.setProps({ challenge: { ...challenge('n2'), actions: ['turn_left', 'open_mouth'] }, message: '未检测到指定动作' })
    expect(wrapper.find('.step-error').text()).toBe('未检测到指定动作')
    expect(wrapper.findAll('img.preview')).toHaveLength(0) // pictures are taken again for it
    expect(submit().attributes('disabled')).toBeDefined()
  })
})
