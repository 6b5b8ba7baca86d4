import { afterEach, describe, expect, it } from 'vitest'
import { setLocale, setMessages } from '../src/i18n.js'
import { dateTimeText } from '../m/src/format.js'
import messages from '../m/src/locales.js'
import { shortAmount, termText } from '../m/src/format.js'
import { limitGroups } from '../m/src/limits.js'

setMessages(messages)

describe('display helpers of the H5 app', () => {
  afterEach(() => setLocale('zh-CN'))

  it('shortAmount keeps small amounts, writes large ones in 万/亿, never rounds up', () => {
    setLocale('zh-CN')
    expect(shortAmount('50.00')).toBe('50')
    expect(shortAmount('200000.00')).toBe('200,000')
    expect(shortAmount('12.34')).toBe('12.34')
    expect(shortAmount('100000000.00')).toBe('1亿')
    expect(shortAmount('12345678.90')).toBe('1,234.56万')
    expect(shortAmount('199999999.99')).toBe('1.99亿')
    setLocale('en-US')
    expect(shortAmount('100000000.00')).toBe('100M')
    expect(shortAmount('50000000.00')).toBe('50M')
    expect(shortAmount('1250000.00')).toBe('1.25M')
  })

  it('termText in months and years', () => {
    expect(termText(3)).toBe('3个月')
    expect(termText(12)).toBe('1年')
    expect(termText(36)).toBe('3年')
    setLocale('en-US')
    expect(termText(1)).toBe('1 month')
    expect(termText(6)).toBe('6 months')
    expect(termText(12)).toBe('1 year')
    expect(termText(60)).toBe('5 years')
  })

  it('limitGroups reads the bucket list of GET /account', () => {
    const groups = limitGroups([
      { bucket: 'out_non_bound', daily_limit: '10000.00', used_today: '0.00', left_today: '10000.00' },
    ])
    expect(groups).toHaveLength(1)
    expect(groups[0].title).toBe('消费及向非绑定账户转出')
    expect(groups[0].rows.map((r) => [r.label, r.value])).toEqual([
      ['单日限额', '¥10,000.00'],
      ['今日已用', '¥0.00'],
      ['今日剩余', '¥10,000.00'],
    ])
  })

  it('limitGroups shows no `capped` row, and no empty limits for a bucket outside the caps', () => {
    const groups = limitGroups([
      { bucket: 'out_non_bound', capped: true, daily_limit: '10000.00', used_today: '0.00' },
      { bucket: 'products', capped: false, daily_limit: null, yearly_limit: null,
        used_today: '500.00', used_this_year: '500.00', left_today: null },
    ])
    expect(groups[0].rows.map((r) => r.label)).toEqual(['单日限额', '今日已用'])
    expect(groups[1].title).toBe('购买本行存款产品（不占限额）')
    expect(groups[1].rows.map((r) => [r.label, r.value])).toEqual([
      ['今日已用', '¥500.00'],
      ['本年已用', '¥500.00'],
    ])
  })

  it('limitGroups also reads a nested object', () => {
    const groups = limitGroups({ daily: { limit: '10000.00', used: '1.00' } })
    expect(groups[0].rows.map((r) => r.label)).toEqual(['单日限额', '单日已用'])
  })
})

describe('dateTimeText', () => {
  it('shows Beijing time whatever the device zone, never UTC', () => {
    expect(dateTimeText('2026-12-03T16:30:00Z')).toBe('2026-12-04 00:30')
    expect(dateTimeText('2026-12-04T00:30:00+08:00')).toBe('2026-12-04 00:30')
    expect(dateTimeText('')).toBe('—')
    expect(dateTimeText('garbage')).toBe('garbage')
  })
})
