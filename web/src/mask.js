// Masking for display (domain.md §11.11): name 张*三, ID 4401**********1234, phone 138****5678,
// card ****1234. Values the API already masked are shown as they are.

export function maskName(name) {
  if (!name) return ''
  const chars = [...String(name)]
  if (chars.includes('*') || chars.length < 2) return String(name)
  if (chars.length === 2) return `${chars[0]}*`
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`
}

export function maskPhone(phone) {
  if (!phone) return ''
  const s = String(phone)
  if (s.includes('*') || s.length < 7) return s
  return `${s.slice(0, 3)}${'*'.repeat(s.length - 7)}${s.slice(-4)}`
}

export function maskIdNumber(id) {
  if (!id) return ''
  const s = String(id)
  if (s.includes('*') || s.length < 8) return s
  return `${s.slice(0, 4)}${'*'.repeat(s.length - 8)}${s.slice(-4)}`
}

/** Any card or account number, masked or not → "****1234". */
export function maskCard(card) {
  if (!card) return ''
  const digits = String(card).replace(/[^0-9Xx]/g, '')
  if (digits.length < 4) return String(card)
  return `****${digits.slice(-4)}`
}

/** An account number for display: keep the API's masking, else 6222 **** **** 1234 style. */
export function maskAccountNo(no) {
  if (!no) return ''
  const s = String(no)
  if (s.includes('*')) return s
  const digits = s.replace(/\s/g, '')
  if (digits.length < 8) return s
  return `${digits.slice(0, 4)} **** **** ${digits.slice(-4)}`
}
