// CSV export of any table the console shows: RFC 4180 quoting, a UTF-8 BOM so spreadsheet
// programs read Chinese correctly, and cells that a spreadsheet would run as a formula defused.

const FORMULA = /^[=+@\t\r]|^-(?![0-9.])/

function cell(value) {
  if (value === null || value === undefined) return ''
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (FORMULA.test(text)) text = `'${text}` // =HYPERLINK(...) stays text; -12.30 stays a number
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * columns: [{key, label, value?(row)}]; rows: objects → CSV text with a header line.
 * `value` turns a row into the cell's text (e.g. an enum label); else row[key] as it is.
 */
export function toCsv(columns, rows) {
  const head = columns.map((c) => cell(c.label ?? c.key)).join(',')
  const body = rows.map((row) => columns.map((c) => cell(c.value ? c.value(row) : row[c.key])).join(','))
  return [head, ...body].join('\r\n') + '\r\n'
}

/** Save text as a file through the browser. */
export function downloadText(filename, text, type = 'text/csv;charset=utf-8') {
  const blob = new Blob(['\ufeff', text], { type })
  downloadBlob(filename, blob)
}

export function downloadBlob(filename, blob) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
