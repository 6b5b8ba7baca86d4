// A first look at a CSV file before it is sent: header, row count and the first rows.

/** Split one CSV line (RFC 4180 quotes). */
export function splitCsvLine(line) {
  const out = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i += 1
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out.map((s) => s.trim())
}

export function csvPreview(text, sampleSize = 5) {
  const lines = String(text || '').replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim())
  if (!lines.length) return { header: [], rows: 0, sample: [] }
  const header = splitCsvLine(lines[0])
  const body = lines.slice(1)
  return { header, rows: body.length, sample: body.slice(0, sampleSize).map(splitCsvLine) }
}
