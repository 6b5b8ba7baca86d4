import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import PinKeypad from '../m/src/components/PinKeypad.vue'
import { DIGITS, shuffledDigits } from '../m/src/keypad.js'

function digitButtons(wrapper) {
  return wrapper.findAll('button[data-digit]')
}

async function press(wrapper, digit) {
  await wrapper.find(`button[data-digit="${digit}"]`).trigger('click')
}

function dotCount(wrapper) {
  return wrapper.findAll('.pin-dot').length
}

describe('PinKeypad', () => {
  it('lays out all ten digits exactly once', () => {
    const wrapper = mount(PinKeypad)
    const digits = digitButtons(wrapper).map((b) => b.attributes('data-digit'))
    expect(digits).toHaveLength(10)
    expect([...digits].sort()).toEqual(DIGITS)
    // each button shows its own digit
    for (const b of digitButtons(wrapper)) expect(b.text()).toBe(b.attributes('data-digit'))
  })

  it('shuffles the layout from one opening to the next', () => {
    const layouts = new Set()
    for (let i = 0; i < 20; i += 1) {
      const wrapper = mount(PinKeypad)
      const digits = digitButtons(wrapper).map((b) => b.attributes('data-digit'))
      expect([...digits].sort()).toEqual(DIGITS)
      layouts.add(digits.join(''))
      wrapper.unmount()
    }
    // 20 identical draws out of 10! layouts would be astronomically unlikely
    expect(layouts.size).toBeGreaterThan(1)
  })

  it('shuffledDigits is a permutation driven by the random source', () => {
    const first = shuffledDigits(() => 0)
    expect([...first].sort()).toEqual(DIGITS)
    expect(first).not.toEqual(DIGITS)
    const identity = shuffledDigits((n) => n - 1)
    expect(identity).toEqual(DIGITS)
  })

  it('renders buttons only: no input element, so no native keyboard', () => {
    const wrapper = mount(PinKeypad)
    expect(wrapper.find('input').exists()).toBe(false)
    expect(wrapper.findAll('button.pin-key')).toHaveLength(12)
    for (const b of wrapper.findAll('button.pin-key')) expect(b.attributes('type')).toBe('button')
  })

  it('shows dots, never the digits typed', async () => {
    const wrapper = mount(PinKeypad)
    await press(wrapper, '7')
    await press(wrapper, '3')
    expect(dotCount(wrapper)).toBe(2)
    expect(wrapper.find('.pin-dots').text()).toBe('')
  })

  it('accepts at most 6 digits and emits complete once with the PIN', async () => {
    const wrapper = mount(PinKeypad)
    for (const d of ['1', '2', '3', '4', '5', '6', '7', '8']) await press(wrapper, d)
    expect(dotCount(wrapper)).toBe(6)
    expect(wrapper.emitted('complete')).toEqual([['123456']])
    expect(wrapper.emitted('input').map((e) => e[0])).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('deletes the last digit', async () => {
    const wrapper = mount(PinKeypad)
    for (const d of ['9', '8', '7']) await press(wrapper, d)
    await wrapper.find('button.delete').trigger('click')
    expect(dotCount(wrapper)).toBe(2)
    for (const d of ['1', '2', '3', '4']) await press(wrapper, d)
    expect(wrapper.emitted('complete')).toEqual([['981234']])
  })

  it('delete on an empty keypad does nothing; clear empties it', async () => {
    const wrapper = mount(PinKeypad)
    expect(wrapper.find('button.delete').attributes('disabled')).toBeDefined()
    await press(wrapper, '5')
    await press(wrapper, '5')
    await wrapper.find('button.clear').trigger('click')
    expect(dotCount(wrapper)).toBe(0)
  })

  it('ignores keys while disabled (request in flight)', async () => {
    const wrapper = mount(PinKeypad, { props: { disabled: true } })
    await press(wrapper, '1')
    expect(dotCount(wrapper)).toBe(0)
    expect(wrapper.emitted('input')).toBeUndefined()
  })

  it('honours a custom length', async () => {
    const wrapper = mount(PinKeypad, { props: { length: 4 } })
    for (const d of ['4', '3', '2', '1']) await press(wrapper, d)
    expect(wrapper.emitted('complete')).toEqual([['4321']])
  })
})
