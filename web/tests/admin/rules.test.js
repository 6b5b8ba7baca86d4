// The console's pure rules: funnel figures, CSV, forms, masks of the customer page, analytics rows.
import { describe, expect, it } from 'vitest'
import { funnelRows, overallConversion, percent } from '../../admin/src/funnel.js'
import { toCsv } from '../../admin/src/csv.js'
import { productProblems, productBody, emptyProduct, productActions } from '../../admin/src/productForm.js'
import { rateProblems, rateUnits } from '../../admin/src/rateForm.js'
import { kpiCards, dailyRows, dailyKeys, salesRows, chartYuan } from '../../admin/src/analytics.js'
import { money, rate, dateTime, beijingDate, statusType } from '../../admin/src/format.js'
import { passwordProblem, otpProblem, enrolmentImage, groupSecret } from '../../admin/src/loginRules.js'
import { csvPreview, splitCsvLine } from '../../admin/src/csvPreview.js'
import { reasonProblem } from '../../admin/src/dialogs.js'
import { canSee, canDo, menuFor } from '../../admin/src/access.js'

describe('funnel', () => {
  it('computes step conversion, drop-off and conversion from the start from counts', () => {
    const rows = funnelRows([
      { step: 'visit', devices: 200 }, { step: 'registered', devices: 120 }, { step: 'kyc_started', devices: 90 },
      { step: 'kyc_passed', devices: 60 }, { step: 'account_opened', devices: 57 }, { step: 'first_deposit', devices: 19 },
    ])
    expect(rows.map((r) => r.conversion)).toEqual([100, 60, 75, 66.7, 95, 33.3])
    expect(rows.map((r) => r.dropOff)).toEqual([0, 80, 30, 30, 3, 38])
    expect(rows.map((r) => r.dropOffRate)).toEqual([0, 40, 25, 33.3, 5, 66.7])
    expect(rows.map((r) => r.fromStart)).toEqual([100, 60, 45, 30, 28.5, 9.5])
    expect(overallConversion(rows)).toBe(9.5)
  })
  it("prefers the server's own figures", () => {
    const [, second] = funnelRows([{ step: 'visit', devices: 10 }, { step: 'registered', devices: 4, conversion_from_previous: 40.0, drop_off: 6, drop_off_rate: 60.0, conversion_from_start: 40.0 }])
    expect(second).toMatchObject({ count: 4, conversion: 40, dropOff: 6, dropOffRate: 60, fromStart: 40 })
  })
  it('an empty funnel is zeros, never NaN', () => {
    const rows = funnelRows([{ step: 'visit', devices: 0 }, { step: 'registered', devices: 0 }])
    expect(rows.map((r) => [r.conversion, r.fromStart])).toEqual([[0, 0], [0, 0]])
    expect(percent(1, 0)).toBe(0)
  })
})

describe('csv', () => {
  it('quotes, keeps negative amounts as numbers and defuses formulas', () => {
    const text = toCsv([{ key: 'a', label: '名称' }, { key: 'b', label: 'amount' }], [
      { a: 'x,"y"', b: '-12.30' }, { a: '=HYPERLINK("http://evil")', b: '5.00' }, { a: '+1', b: '@x' }, { a: '-cmd', b: null },
    ])
    expect(text.split('\r\n')).toEqual(['名称,amount', '"x,""y""",-12.30', `"'=HYPERLINK(""http://evil"")",5.00`, "'+1,'@x", "'-cmd,", ''])
  })
  it('uses a column value function (labels) when given', () => {
    expect(toCsv([{ key: 's', label: 'S', value: (r) => r.s.toUpperCase() }], [{ s: 'ok' }])).toBe('S\r\nOK\r\n')
  })
  it('previews a file with quotes and a BOM', () => {
    expect(splitCsvLine('a,"b,c",""""')).toEqual(['a', 'b,c', '"'])
    expect(csvPreview('\ufeffvalue,reason\r\n1,x\r\n2,y\r\n\r\n')).toEqual({ header: ['value', 'reason'], rows: 2, sample: [['1', 'x'], ['2', 'y']] })
  })
})

describe('product form', () => {
  const good = { ...emptyProduct('2026-03-02'), code: 'TD1Y-2026A', name: '1年期', rate: '1.20', total_quota: '1000000.00', sale_end: '2026-12-31' }
  it('accepts a good draft and builds ProductIn', () => {
    expect(productProblems(good)).toEqual({})
    expect(productBody({ ...good, service_area: '4403, 4401' })).toMatchObject({ code: 'TD1Y-2026A', term_months: 12, rate: '1.20', service_area: ['4403', '4401'], min_amount: '50.00' })
  })
  it('names every problem', () => {
    const p = productProblems({ ...good, code: 'td', rate: '1.2.0', min_amount: '1.001', sale_end: '2026-01-01', service_area: 'x1' })
    expect(Object.keys(p).sort()).toEqual(['code', 'min_amount', 'rate', 'sale_end', 'service_area'])
    expect(productProblems({ ...good, min_amount: '9000000.00' }).max_per_customer).toBe('product.errors.maxBelowMin')
  })
  it('offers the maker–checker steps by status', () => {
    expect(productActions('draft')).toEqual(['edit', 'submit'])
    expect(productActions('pending')).toEqual(['approve', 'reject'])
    expect(productActions('published')).toEqual(['suspend'])
    expect(productActions('suspended')).toEqual([])
  })
})

describe('rate change form', () => {
  it('reads rates exactly', () => {
    expect(rateUnits('1.75')).toBe(17500)
    expect(rateUnits('1.7')).toBe(17000)
    expect(rateUnits('0.0001')).toBe(1)
    expect(rateUnits('1.75%')).toBeNull()
  })
  it('refuses backdating, a board rate above its ceiling, bad rates', () => {
    const f = { kind: 'time_deposit', term_months: 12, board_rate: '1.20', ceiling: '1.45', effective_from: '2026-03-02' }
    expect(rateProblems(f, '2026-03-02')).toEqual({})
    expect(rateProblems({ ...f, effective_from: '2026-03-01' }, '2026-03-02')).toEqual({ effective_from: 'rates.errors.backdated' })
    expect(rateProblems({ ...f, board_rate: '1.50' }, '2026-03-02')).toEqual({ board_rate: 'rates.errors.aboveCeiling' })
    expect(rateProblems({ ...f, ceiling: 'abc', term_months: 0 }, '2026-03-02')).toEqual({ ceiling: 'rates.errors.rate', term_months: 'rates.errors.term' })
    expect(rateProblems({ ...f, kind: 'demand', term_months: 0 }, '2026-03-02')).toEqual({})
  })
})

describe('analytics rows', () => {
  it('KPI cards in the business order, money marked', () => {
    const cards = kpiCards({ from: null, to: null, page_views: 9, visitors: 5, deposits_total: '50000.00', accounts_opened: 2 })
    expect(cards.map((c) => c.key)).toEqual(['visitors', 'accounts_opened', 'deposits_total', 'page_views'])
    expect(cards.find((c) => c.key === 'deposits_total').money).toBe(true)
  })
  it('daily rows oldest first with the figure columns the server sent', () => {
    const rows = dailyRows({ items: [{ date: '2026-03-02', visitors: 3, deposits_total: '1.00' }, { date: '2026-03-01', visitors: 1, deposits_total: '0.00' }] })
    expect(rows.map((r) => r.date)).toEqual(['2026-03-01', '2026-03-02'])
    expect(dailyKeys(rows)).toEqual(['visitors', 'deposits_total'])
  })
  it('sales against quota in integer fen, from either source', () => {
    const [a] = salesRows({ items: [{ code: 'TD1Y', name: '1年', total_quota: '1000000.00', sold: '250000.10', quota_left: '749999.90', sold_pct: 25.0 }] })
    expect(a).toMatchObject({ quota: '1000000.00', sold: '250000.10', left: '749999.90', soldRate: 25 })
    const [b] = salesRows({ items: [{ code: 'TD3M', total_quota: '100.00', quota_left: '0.01' }] })
    expect(b).toMatchObject({ sold: '99.99', left: '0.01', soldRate: 100 })
    expect(chartYuan('1234.56')).toBe(1234.56)
    expect(chartYuan('bad')).toBe(0)
  })
})

describe('format', () => {
  it('money through integer fen, rates, Beijing time', () => {
    expect(money('1234567.8')).toBe('1,234,567.80')
    expect(money('-0.05')).toBe('-0.05')
    expect(money(null)).toBe('—')
    expect(rate('1.75')).toBe('1.75%')
    expect(dateTime('2026-03-01T16:05:09+00:00')).toBe('2026-03-02 00:05:09')
    expect(beijingDate(0, new Date('2026-03-01T16:30:00Z'))).toBe('2026-03-02')
    expect(statusType('frozen')).toBe('danger')
    expect(statusType('normal')).toBe('success')
  })
})

describe('login rules', () => {
  it('checks a new password before the server does', () => {
    expect(passwordProblem('short1', 'short1', 'x')).toBe('login.passwordTooShort')
    expect(passwordProblem('onlyletters', 'onlyletters', 'x')).toBe('login.passwordWeak')
    expect(passwordProblem('abcdefgh12', 'abcdefgh13', 'x')).toBe('login.passwordMismatch')
    expect(passwordProblem('abcdefgh12', 'abcdefgh12', 'abcdefgh12')).toBe('login.passwordSame')
    expect(passwordProblem('abcdefgh12', 'abcdefgh12', 'old')).toBeNull()
  })
  it('shows a TOTP secret in groups of four', () => {
    expect(groupSecret('KG572OIAIQOBLHL5RXC6AHPYVY2C3Q2W')).toBe('KG57 2OIA IQOB LHL5 RXC6 AHPY VY2C 3Q2W')
    expect(groupSecret('ABCDE')).toBe('ABCD E')
  })
  it('a TOTP code is six digits', () => {
    expect(otpProblem(' 123456 ')).toBeNull()
    expect(otpProblem('12345')).toBe('login.otpFormat')
    expect(otpProblem('12345a')).toBe('login.otpFormat')
  })
  it("uses the server's QR picture when there is one", () => {
    expect(enrolmentImage({ qr_data_uri: 'data:image/svg+xml;base64,AAA' })).toBe('data:image/svg+xml;base64,AAA')
    expect(enrolmentImage({ qr_svg: '<svg/>' })).toBe('data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E')
    expect(enrolmentImage({ qr_data_uri: 'javascript:alert(1)' })).toBe('')
    expect(enrolmentImage(null)).toBe('')
  })
  it('a reason is 2–500 characters', () => {
    expect(reasonProblem(' a ')).toBe('dialog.reasonRequired')
    expect(reasonProblem('ab')).toBeNull()
    expect(reasonProblem('x'.repeat(501))).toBe('dialog.reasonTooLong')
  })
})

describe('access', () => {
  it('shows each role the pages it can use; admin sees everything', () => {
    expect(canSee('staff', ['checker'])).toBe(false)
    expect(canSee('staff', ['admin'])).toBe(true)
    expect(canSee('audit', ['auditor'])).toBe(true)
    expect(canSee('reviews', ['operator'])).toBe(false)
    expect(canDo('releaseFreeze', ['operator'])).toBe(false)
    expect(canDo('releaseFreeze', ['checker'])).toBe(true)
    expect(canDo('reissueReceipt', ['auditor'])).toBe(false)
    const auditor = menuFor(['auditor']).flatMap((g) => g.items.map((i) => i.page))
    expect(auditor).toContain('audit')
    expect(auditor).not.toContain('staff')
    expect(auditor).not.toContain('riskLists')
  })
})

describe('EOD day report', () => {
  it('flattens each step and shows report money (integer fen) in yuan', async () => {
    const { reportLines } = await import('../../admin/src/batchReport.js')
    const lines = reportLines({
      deposit_maturity: { processed: 0 },
      demand_interest_credit: {},
      day_report: { purchases: { count: 1, amount: 1000000 }, holdings_match_ledger: true, events: {} },
    })
    expect(lines.map((l) => l.step)).toEqual(['deposit_maturity', 'demand_interest_credit', 'day_report'])
    expect(lines[1].figures).toEqual([])
    expect(lines[2].figures).toEqual([
      { name: 'purchases.count', value: '1' },
      { name: 'purchases.amount', value: '¥10,000.00' },
      { name: 'holdings_match_ledger', value: 'true' },
    ])
  })
})
