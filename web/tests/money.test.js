import { describe, expect, it } from 'vitest'
import {
  AmountError,
  amountError,
  amountInWords,
  displayAmount,
  formatAmount,
  formatGrouped,
  formatRate,
  formatYuan,
  parseAmount,
  sanitizeAmountInput,
  toFen,
} from '../src/money.js'

describe('parseAmount', () => {
  it.each([
    ['123.45', 12345],
    ['0.01', 1],
    ['0.1', 10],
    ['10', 1000],
    ['1680.32', 168032],
    ['999999999999.99', 99999999999999],
    [' 5.5 ', 550],
  ])('%s → %i fen', (text, fen) => {
    expect(parseAmount(text)).toBe(fen)
  })

  it('never goes through a float: 0.29 and 1.13 are exact', () => {
    // 0.29 * 100 = 28.999999999999996 in floating point
    expect(parseAmount('0.29')).toBe(29)
    expect(parseAmount('1.13')).toBe(113)
    expect(parseAmount('4.35')).toBe(435)
  })

  it.each([
    ['', 'EMPTY'],
    ['   ', 'EMPTY'],
    ['0', 'ZERO'],
    ['0.00', 'ZERO'],
    ['1.234', 'TOO_MANY_DECIMALS'],
    ['-1', 'FORMAT'],
    ['+1', 'FORMAT'],
    ['1e3', 'FORMAT'],
    ['1,000', 'FORMAT'],
    ['.5', 'FORMAT'],
    ['5.', 'FORMAT'],
    ['007', 'FORMAT'],
    ['1.2.3', 'FORMAT'],
    ['abc', 'FORMAT'],
    ['１２', 'FORMAT'],
    ['1000000000000', 'TOO_LARGE'],
  ])('rejects %j with %s', (text, code) => {
    expect(() => parseAmount(text)).toThrow(AmountError)
    expect(amountError(text)).toBe(code)
  })

  it('accepts zero only when asked', () => {
    expect(parseAmount('0', { allowZero: true })).toBe(0)
    expect(amountError('0.00', { allowZero: true })).toBeNull()
  })
})

describe('toFen (API values)', () => {
  it('reads signed decimal strings', () => {
    expect(toFen('-12.30')).toBe(-1230)
    expect(toFen('+5')).toBe(500)
    expect(toFen('0.00')).toBe(0)
  })
  it('returns null for missing or malformed values', () => {
    expect(toFen(null)).toBeNull()
    expect(toFen(undefined)).toBeNull()
    expect(toFen('')).toBeNull()
    expect(toFen('abc')).toBeNull()
  })
})

describe('formatting', () => {
  it('formats the API form', () => {
    expect(formatAmount(12345)).toBe('123.45')
    expect(formatAmount(5)).toBe('0.05')
    expect(formatAmount(-1230)).toBe('-12.30')
    expect(formatAmount(0)).toBe('0.00')
  })
  it('groups thousands', () => {
    expect(formatGrouped(123456789)).toBe('1,234,567.89')
    expect(formatGrouped(100000)).toBe('1,000.00')
    expect(formatGrouped(99999)).toBe('999.99')
    expect(formatGrouped(-123456789)).toBe('-1,234,567.89')
    expect(formatGrouped(99999999999999)).toBe('999,999,999,999.99')
  })
  it('adds the currency sign', () => {
    expect(formatYuan(123456)).toBe('¥1,234.56')
    expect(formatYuan(-500)).toBe('-¥5.00')
  })
  it('displays API strings', () => {
    expect(displayAmount('1234567.8')).toBe('1,234,567.80')
    expect(displayAmount(null)).toBe('—')
  })
  it('formats rates with two decimals', () => {
    expect(formatRate('1.2')).toBe('1.20')
    expect(formatRate('1.75')).toBe('1.75')
    expect(formatRate('2')).toBe('2.00')
  })
  it('refuses non-integer fen', () => {
    expect(() => formatGrouped(1.5)).toThrow(TypeError)
    expect(() => formatGrouped('100')).toThrow(TypeError)
  })
})

describe('sanitizeAmountInput', () => {
  it.each([
    ['12a3', '123'],
    ['1.234', '1.23'],
    ['1..2', '1.2'],
    ['.5', '0.5'],
    ['007', '7'],
    ['0.', '0.'],
    ['1。5', '1.5'],
    ['-3', '3'],
  ])('%j → %j', (input, out) => {
    expect(sanitizeAmountInput(input)).toBe(out)
  })
})

describe('amountInWords (domain.md §7, §9.2, §11.5)', () => {
  it.each([
    ['1680.32', '壹仟陆佰捌拾元零叁角贰分'],
    ['16409.02', '壹万陆仟肆佰零玖元零贰分'],
    ['107000.53', '壹拾万柒仟元零伍角叁分'],
    ['10', '壹拾元整'],
    ['100010000', '壹亿零壹万元整'],
    ['0.05', '伍分'],
    ['0', '零元整'],
    // the rest of the §9.2 table
    ['1', '壹元整'],
    ['15', '壹拾伍元整'],
    ['101', '壹佰零壹元整'],
    ['110', '壹佰壹拾元整'],
    ['1010', '壹仟零壹拾元整'],
    ['1409.50', '壹仟肆佰零玖元伍角'],
    ['6007.14', '陆仟零柒元壹角肆分'],
    ['325.04', '叁佰贰拾伍元零肆分'],
    ['12345.67', '壹万贰仟叁佰肆拾伍元陆角柒分'],
    ['200000', '贰拾万元整'],
    ['500000', '伍拾万元整'],
    ['100000000', '壹亿元整'],
    // sub-yuan amounts: no leading 零元
    ['0.5', '伍角'],
    ['0.01', '壹分'],
    ['0.99', '玖角玖分'],
    ['0.50', '伍角'],
    ['0.09', '玖分'],
    // group boundaries
    ['100000', '壹拾万元整'],
    ['10000', '壹万元整'],
    ['10001', '壹万零壹元整'],
    ['100001000', '壹亿零壹仟元整'],
    ['1000000.10', '壹佰万元零壹角'],
    ['20.05', '贰拾元零伍分'],
    ['999999999999.99', '玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分'],
  ])('%s → %s', (amount, words) => {
    expect(amountInWords(parseAmount(amount, { allowZero: true }))).toBe(words)
  })

  it('prefixes 人民币 on request', () => {
    expect(amountInWords(1000, { prefix: true })).toBe('人民币壹拾元整')
  })

  it('refuses negatives, fractions of a fen and absurd amounts', () => {
    expect(() => amountInWords(-1)).toThrow(RangeError)
    expect(() => amountInWords(1.5)).toThrow(TypeError)
    expect(() => amountInWords(10 ** 14)).toThrow(RangeError)
  })
})
