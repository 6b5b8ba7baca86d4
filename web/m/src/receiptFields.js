// The signed fields of an e-receipt (GET /receipts/{no} `fields`, the verification answers) as
// labelled rows. Money in these fields is integer fen, rates are percent strings; internal
// values (the fields' version, the ledger fingerprint, the check URL) are not shown.
import { t, tMaybe } from '@shared/i18n.js'
import { formatGrouped, formatRate } from '@shared/money.js'
import { dateText, dateTimeText, enumText, termText } from './format.js'

/** Display order; anything else the bank adds later goes after these, unless hidden. */
export const FIELD_ORDER = [
  'receipt_no',
  'kind',
  'business_date',
  'amount',
  'currency',
  'transaction_serial',
  'payer_name',
  'payer_bank',
  'payer_account',
  'payee_name',
  'payee_bank',
  'payee_account',
  'product_name',
  'certificate_no',
  'annual_rate',
  'term_months',
  'maturity_date',
  'interest',
  'summary',
  'bank_name',
  'issued_at',
]

export const HIDDEN_FIELDS = ['fields_version', 'ledger_entry_hash', 'verify_url', 'verification_code', 'sha256']

const FEN_FIELDS = ['amount', 'interest', 'principal']

function fenText(value) {
  return Number.isInteger(value) ? `¥${formatGrouped(value)}` : String(value)
}

/** One field's value as text. */
export function fieldValue(key, value) {
  if (FEN_FIELDS.includes(key)) return fenText(value)
  switch (key) {
    case 'kind':
      return enumText('receiptKind', value)
    case 'annual_rate':
      return `${formatRate(value)}%`
    case 'term_months':
      return termText(value)
    case 'business_date':
    case 'maturity_date':
      return dateText(value)
    case 'issued_at':
      return dateTimeText(value)
    case 'currency':
      return value === 'CNY' ? t('receiptField.cny') : String(value)
    default:
      return String(value)
  }
}

/**
 * [{key, label, value}] for the fields that have a value, in FIELD_ORDER, without `skip`.
 * Nested objects are left out (they are not part of what a customer checks).
 */
export function receiptRows(fields, { skip = [] } = {}) {
  if (!fields || typeof fields !== 'object') return []
  const keys = [
    ...FIELD_ORDER.filter((k) => k in fields),
    ...Object.keys(fields).filter((k) => !FIELD_ORDER.includes(k)).sort(),
  ]
  return keys
    .filter((k) => !HIDDEN_FIELDS.includes(k) && !skip.includes(k))
    .filter((k) => fields[k] !== null && fields[k] !== undefined && fields[k] !== '' && typeof fields[k] !== 'object')
    .map((k) => ({
      key: k,
      label: tMaybe(`receiptField.${k}`) ?? k.replace(/_/g, ' '),
      value: fieldValue(k, fields[k]),
    }))
}
