// Loading the app's components and pages with miniprogram-simulate, and a fake API server.
const path = require('path')
const fs = require('fs')
const simulate = require('miniprogram-simulate')
const simulateUtils = require('miniprogram-simulate/src/utils.js')

// miniprogram-simulate runs a component's js with `require` and then drops it from
// require.cache, so that the next load registers it again; jest keeps its own module registry,
// so that second run would never happen. Run the component file itself fresh each time; what
// it requires (lib/, shared/) stays one instance per test file, as in the app.
simulateUtils.runJs = (filePath) => {
  const file = filePath.endsWith('.js') ? filePath : `${filePath}.js`
  const code = fs.readFileSync(file, 'utf8')
  const module = { exports: {} }
  const localRequire = (spec) => require(spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec)
  // eslint-disable-next-line no-new-func
  new Function('require', 'module', 'exports', code)(localRequire, module, module.exports)
}

const SRC = path.resolve(__dirname, '../src')
const STUB_DIR = path.join(__dirname, 'stubs')
// vant tags → their test doubles ('/..' + path: simulate joins absolute paths to rootPath)
const STUBS = Object.fromEntries(
  fs.readdirSync(STUB_DIR).filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .map((name) => [name, `/../tests/stubs/${name}`]),
)

/** Render a component or page (`components/pin-keypad/index`) attached to a document node. */
function render(rel, props) {
  const id = simulate.load(path.join(SRC, rel), { compiler: 'simulate', rootPath: SRC, usingComponents: { ...STUBS } })
  const comp = simulate.render(id, props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** The visible text of a component, whitespace collapsed. */
function text(comp) {
  return (comp.dom.textContent || '').replace(/\s+/g, ' ').trim()
}

/**
 * Answer wx.request from `routes`: {'GET /api/v1/products': (req) => [status, body] | body}.
 * Unknown routes answer 404; status 0 is no answer at all ([0, 'timeout'] a timeout). Returns the list of requests seen ({method, path, query, data, header}).
 */
function fakeServer(routes) {
  const seen = []
  wx.request.mockImplementation((opts) => {
    const url = new URL(opts.url)
    const req = { method: opts.method || 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), data: opts.data, header: opts.header || {}, url: opts.url }
    seen.push(req)
    const handler = routes[`${req.method} ${req.path}`]
    let answer = handler ? handler(req) : [404, { error: { code: 'NOT_FOUND', message: 'Not found.', message_zh: '记录不存在。' } }]
    if (!Array.isArray(answer)) answer = [200, answer]
    const [statusCode, data] = answer
    Promise.resolve().then(() => {
      if (statusCode === 0) opts.fail && opts.fail({ errMsg: data === 'timeout' ? 'request:fail timeout' : 'request:fail' })
      else opts.success && opts.success({ statusCode, data, header: {} })
    })
    return { abort() {} }
  })
  return seen
}

function apiError(status, code, message, messageZh) {
  return [status, { error: { code, message, message_zh: messageZh } }]
}

/** Let promises and setData settle. */
async function settle(ms = 0) {
  for (let i = 0; i < 5; i += 1) await simulate.sleep(ms)
}

function body(req) {
  return typeof req.data === 'string' ? JSON.parse(req.data) : req.data
}

/** The parts of a multipart request a page sent: [{name, filename?, contentType?, data: Buffer, value}]. */
function multipart(req) {
  const type = req.header['Content-Type'] || ''
  const boundary = Buffer.from(`--${/boundary=(.+)$/.exec(type)[1]}`)
  const raw = Buffer.from(req.data)
  const parts = []
  let at = raw.indexOf(boundary)
  while (at >= 0) {
    const start = at + boundary.length
    if (raw.slice(start, start + 2).toString() === '--') break
    const next = raw.indexOf(boundary, start)
    const chunk = raw.slice(start + 2, next - 2) // after CRLF, before the CRLF of the next boundary
    const split = chunk.indexOf('\r\n\r\n')
    const head = chunk.slice(0, split).toString('utf8')
    const data = chunk.slice(split + 4)
    parts.push({
      name: /name="([^"]+)"/.exec(head)[1],
      filename: (/filename="([^"]+)"/.exec(head) || [])[1],
      contentType: (/Content-Type: (.+)/.exec(head) || [])[1],
      data,
      value: data.toString('utf8'),
    })
    at = next
  }
  return parts
}

module.exports = { render, text, fakeServer, apiError, settle, body, multipart, SRC, simulate }
