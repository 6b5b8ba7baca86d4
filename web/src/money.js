// Money as integer fen. Decimal strings are parsed by splitting on the point, never through a
// float, and the 人民币大写 form follows domain.md §7 / §11.5 (same canonical form as money.py).

/** ¥999,999,999,999.99: anything larger is absurd for this platform (money.py MAX_AMOUNT_FEN). */
export const MAX_AMOUNT_FEN = 10 ** 14 - 1

const AMOUNT_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/
const DIGITS = '零壹贰叁肆伍陆柒捌玖'
const SMALL_UNITS = ['仟', '佰', '拾', '']

/** An amount the customer typed or the API sent is not a valid money string. `code` names why. */
export class AmountError extends Error {
  constructor(code) {
    super(code)
    this.name = 'AmountError'
    this.code = code
  }
}

/**
 * "123.45" → 12345. Strict: ASCII digits, at most 2 decimals, no sign, no exponent, no separators.
 * Throws AmountError with code EMPTY | FORMAT | TOO_MANY_DECIMALS | ZERO | TOO_LARGE.
 */
export function parseAmount(text, { allowZero = false } = {}) {
  const body = typeof text === 'string' ? text.trim() : ''
  if (!body) throw new AmountError('EMPTY')
  const match = AMOUNT_RE.exec(body)
  if (!match) {
    if (/^(0|[1-9][0-9]*)\.[0-9]{3,}$/.test(body)) throw new AmountError('TOO_MANY_DECIMALS')
    throw new AmountError('FORMAT')
  }
  const whole = match[1]
  const fraction = (match[2] || '').padEnd(2, '0')
  if (whole.length > 12) throw new AmountError('TOO_LARGE')
  const fen = Number(whole) * 100 + Number(fraction)
  if (fen > MAX_AMOUNT_FEN) throw new AmountError('TOO_LARGE')
  if (fen === 0 && !allowZero) throw new AmountError('ZERO')
  return fen
}

/** Like parseAmount, but returns an error code (or null) instead of throwing: for form rules. */
export function amountError(text, options) {
  try {
    parseAmount(text, options)
    return null
  } catch (err) {
    if (err instanceof AmountError) return err.code
    throw err
  }
}

/**
 * A (possibly signed) decimal string from the API → fen; null for missing or malformed values.
 * "-12.30" → -1230. A number is tolerated (formatted to 2 places first, never computed with).
 */
export function toFen(value) {
  if (value === null || value === undefined || value === '') return null
  let text = typeof value === 'number' ? value.toFixed(2) : String(value).trim()
  let sign = 1
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text[0] === '-') sign = -1
    text = text.slice(1)
  }
  try {
    return sign * parseAmount(text, { allowZero: true })
  } catch {
    return null
  }
}

/** Keep a typed amount plausible while typing: digits and one point, at most 2 decimals. */
export function sanitizeAmountInput(text) {
  let out = ''
  let seenPoint = false
  let decimals = 0
  for (const ch of String(text ?? '').replace(/[。．]/g, '.')) {
    if (ch >= '0' && ch <= '9') {
      if (seenPoint) {
        if (decimals >= 2) continue
        decimals += 1
      }
      out += ch
    } else if (ch === '.' && !seenPoint) {
      seenPoint = true
      out += out === '' ? '0.' : '.'
    }
  }
  // "007" → "7", but keep "0." and "0"
  out = out.replace(/^0+(?=[0-9])/, '')
  return out.slice(0, 16)
}

function requireInt(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) {
    throw new TypeError(`money is integer fen, not ${fen}`)
  }
}

function split(fen) {
  requireInt(fen)
  const abs = Math.abs(fen)
  return { sign: fen < 0 ? '-' : '', yuan: Math.floor(abs / 100), cents: abs % 100 }
}

function group3(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** API form: 12345 → "123.45", -1230 → "-12.30". */
export function formatAmount(fen) {
  const { sign, yuan, cents } = split(fen)
  return `${sign}${yuan}.${String(cents).padStart(2, '0')}`
}

/** Display form with thousands separators: 123456789 → "1,234,567.89". */
export function formatGrouped(fen) {
  const { sign, yuan, cents } = split(fen)
  return `${sign}${group3(yuan)}.${String(cents).padStart(2, '0')}`
}

/** Display form with the currency sign: 123456 → "¥1,234.56", -500 → "-¥5.00". */
export function formatYuan(fen) {
  const { sign } = split(fen)
  return `${sign}¥${formatGrouped(Math.abs(fen))}`
}

/** An API decimal string straight to display: "12345.6" → "12,345.60"; '—' if unreadable. */
export function displayAmount(value, { yuanSign = false } = {}) {
  const fen = toFen(value)
  if (fen === null) return '—'
  return yuanSign ? formatYuan(fen) : formatGrouped(fen)
}

/** A percent string from the API with at least 2 decimals: "1.2" → "1.20". */
export function formatRate(rate) {
  if (rate === null || rate === undefined || rate === '') return '—'
  const text = String(rate)
  const [whole, fraction = ''] = text.split('.')
  return `${whole}.${fraction.padEnd(2, '0')}`
}

// --------------------------------------------------------------------------- 人民币大写

function groupWords(value) {
  // One group below 10,000: no leading zeros, trailing zeros dropped, inner zero runs → one 零.
  let words = ''
  let pendingZero = false
  const digits = String(value).padStart(4, '0')
  for (let i = 0; i < 4; i += 1) {
    const d = Number(digits[i])
    if (d === 0) {
      pendingZero = words !== ''
      continue
    }
    words += (pendingZero ? '零' : '') + DIGITS[d] + SMALL_UNITS[i]
    pendingZero = false
  }
  return words
}

function yuanWords(yuan) {
  const groups = [
    [Math.floor(yuan / 1e8), '亿'],
    [Math.floor(yuan / 1e4) % 1e4, '万'],
    [yuan % 1e4, '元'],
  ]
  let words = ''
  let digitAbove = null // lowest digit of the last written group
  let skipped = false
  for (const [value, unit] of groups) {
    if (value && digitAbove !== null) {
      // 零 between groups: mandatory when this group is below 1000; when a whole group was
      // skipped the canonical form writes it; after a 0 万/亿 digit it is optional and omitted.
      if (value < 1000 || skipped) words += '零'
    }
    if (value) {
      words += groupWords(value) + unit
      digitAbove = value % 10
      skipped = false
    } else if (digitAbove !== null) {
      skipped = true
    }
  }
  if (yuan && yuan % 1e4 === 0) words += '元'
  return words
}

/**
 * Canonical capital numerals of domain.md §7 item 7: 168032 → "壹仟陆佰捌拾元零叁角贰分",
 * 1000 → "壹拾元整", 5 → "伍分" (below one yuan no leading 零元), 0 → "零元整".
 */
export function amountInWords(fen, { prefix = false } = {}) {
  requireInt(fen)
  if (fen < 0) throw new RangeError('capital numerals are written for amounts of zero or more')
  if (fen > MAX_AMOUNT_FEN) throw new RangeError(`${fen} fen is above MAX_AMOUNT_FEN`)
  let words
  if (fen === 0) {
    words = '零元整'
  } else {
    const yuan = Math.floor(fen / 100)
    const jiao = Math.floor(fen / 10) % 10
    const fenDigit = fen % 10
    words = yuan ? yuanWords(yuan) : ''
    if (yuan && jiao && yuan % 10 === 0) words += '零' // §7 4.3, canonical keeps it
    else if (yuan && fenDigit && !jiao) words += '零' // §7 4.4, mandatory
    if (jiao) words += `${DIGITS[jiao]}角`
    if (fenDigit) words += `${DIGITS[fenDigit]}分`
    else if (!jiao) words += '整'
  }
  return prefix ? `人民币${words}` : words
}
