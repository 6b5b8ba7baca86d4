// The signed fields of an e-receipt as the receipt page and the public check show them.
import { beforeAll, describe, expect, it } from 'vitest'
import { setLocale, setMessages } from '../src/i18n.js'
import messages from '../m/src/locales.js'
import { receiptRows } from '../m/src/receiptFields.js'

// As GET /api/v1/receipts/{no} and POST /api/v1/verify/receipt return them.
const FIELDS = {
  amount: 1000000,
  annual_rate: '1.20',
  bank_name: '开源商业银行',
  business_date: '2026-11-27',
  currency: 'CNY',
  fields_version: 1,
  interest: null,
  issued_at: '2026-11-27T17:50:12+08:00',
  kind: 'deposit_purchase',
  ledger_entry_hash: '2ac474c0e8949cb32f9b814cf3f90a8c',
  maturity_date: '2027-11-27',
  payee_account: '定期存单 No.1',
  payee_bank: '开源商业银行（定期存款）',
  payee_name: '张*',
  payer_account: '6230 **** **** 0039',
  payer_bank: '开源商业银行',
  payer_name: '张*',
  product_name: '1年期整存整取',
  receipt_no: 'HD2026112700000003',
  summary: '购买1年期整存整取',
  term_months: 12,
  transaction_serial: 'H1',
  verification_code: 'Q95XRM',
  verify_url: 'http://127.0.0.1/m/verify?no=HD2026112700000003&code=Q95XRM',
}

beforeAll(() => {
  setMessages(messages)
  setLocale('zh-CN')
})

describe('receiptRows', () => {
  it('shows money from fen, the rate in percent and the term in words', () => {
    const byKey = Object.fromEntries(receiptRows(FIELDS).map((r) => [r.key, r]))
    expect(byKey.amount).toMatchObject({ label: '金额', value: '¥10,000.00' })
    expect(byKey.annual_rate.value).toBe('1.20%')
    expect(byKey.term_months).toMatchObject({ label: '存期', value: '1年' })
    expect(byKey.kind.value).toBe('存款开户回单')
    expect(byKey.currency.value).toBe('人民币')
    expect(byKey.issued_at.value).toBe('2026-11-27 17:50')
    expect(byKey.payer_account).toMatchObject({ label: '付款账号', value: '6230 **** **** 0039' })
  })

  it('leaves out empty values and internal fields', () => {
    const keys = receiptRows(FIELDS).map((r) => r.key)
    for (const k of ['interest', 'fields_version', 'ledger_entry_hash', 'verify_url', 'verification_code']) {
      expect(keys).not.toContain(k)
    }
  })

  it('keeps a stable order and can skip what the page shows elsewhere', () => {
    const keys = receiptRows(FIELDS, { skip: ['receipt_no', 'kind', 'business_date', 'amount'] }).map((r) => r.key)
    expect(keys.slice(0, 3)).toEqual(['currency', 'transaction_serial', 'payer_name'])
    expect(keys).not.toContain('amount')
    expect(keys.indexOf('payer_account')).toBeLessThan(keys.indexOf('payee_name'))
  })

  it('labels every field the bank signs today, in both languages', () => {
    for (const lang of ['zh-CN', 'en-US']) {
      setLocale(lang)
      for (const row of receiptRows(FIELDS)) expect(row.label).not.toContain('_')
    }
    setLocale('zh-CN')
  })

  it('shows a field added later by its name, and an interest when there is one', () => {
    const rows = receiptRows({ ...FIELDS, interest: 3650, new_field: 'x' })
    expect(rows.find((r) => r.key === 'interest').value).toBe('¥36.50')
    expect(rows.at(-1)).toMatchObject({ key: 'new_field', label: 'new field', value: 'x' })
  })

  it('shows the transaction serial and the certificate number (存单编号) labelled', () => {
    for (const [lang, serial, cert] of [['zh-CN', '交易流水号', '存单编号'], ['en-US', 'Serial no.', 'Certificate no.']]) {
      setLocale(lang)
      const rows = receiptRows({ ...FIELDS, transaction_serial: '20261127H5000000000012', certificate_no: '318820260000000018' })
      const byKey = Object.fromEntries(rows.map((r) => [r.key, r]))
      expect(byKey.transaction_serial).toMatchObject({ label: serial, value: '20261127H5000000000012' })
      expect(byKey.certificate_no).toMatchObject({ label: cert, value: '318820260000000018' })
      const keys = rows.map((r) => r.key)
      expect(keys.indexOf('certificate_no')).toBe(keys.indexOf('product_name') + 1) // by its product
    }
    setLocale('zh-CN')
  })

  it('copes with no fields', () => {
    expect(receiptRows(null)).toEqual([])
    expect(receiptRows(undefined)).toEqual([])
  })
})
