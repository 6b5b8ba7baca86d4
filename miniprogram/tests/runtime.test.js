// The shared modules in an engine like WeChat's: a bare JS context with no `globalThis`, no
// TextEncoder / atob, no WebCrypto, no window / self / global — only the language and the timers.
// Every module of build.js's SHARED list must load there, and the ones the mini-program calls for
// randomness, signatures and analytics must still work (with their fallbacks).
const fs = require('fs')
const path = require('path')
const vm = require('vm')
const { SHARED } = require('../scripts/build.js')

const OUT = path.resolve(__dirname, '../src/shared')
const VECTORS = require('../../tests/vectors/capture.json')

/** A context like the mini-program's JS engine, and a CommonJS loader of src/shared inside it. */
function bareEngine() {
  // timers exist in WeChat; here they never fire (the tests flush by hand)
  const ctx = vm.createContext({ setTimeout: () => 1, clearTimeout: () => {} })
  vm.runInContext('delete globalThis.globalThis', ctx)
  const cache = new Map()
  function load(file) {
    if (cache.has(file)) return cache.get(file).exports
    const module = { exports: {} }
    cache.set(file, module)
    const code = fs.readFileSync(file, 'utf8')
    const fn = vm.runInContext(`(function (module, exports, require) {${code}\n})`, ctx, { filename: file })
    fn(module, module.exports, (spec) => {
      if (!spec.startsWith('.')) throw new Error(`${file} requires ${spec}: not available in the mini-program`)
      const target = path.resolve(path.dirname(file), spec)
      if (!target.startsWith(OUT)) return require(target) // the mini-program's own lib/ (i18n.js)
      return load(target)
    })
    return module.exports
  }
  return { ctx, load: (rel) => load(path.join(OUT, rel)) }
}

test('the engine really lacks what a browser has', () => {
  const { ctx } = bareEngine()
  expect(vm.runInContext('[typeof globalThis, typeof TextEncoder, typeof atob, typeof crypto, typeof window]', ctx))
    .toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined'])
})

test('every shared module loads without globalThis', () => {
  const engine = bareEngine()
  for (const [, to] of SHARED) {
    if (to === 'm/locales.js' || to === 'm/format.js') continue // need lib/i18n.js (wx storage): below
    expect(() => engine.load(to)).not.toThrow()
  }
  expect(engine.load('globalScope.js').globalScope()).toEqual({})
})

test('idempotency keys and random integers fall back to Math.random', () => {
  const { uuid, randomInt } = bareEngine().load('ids.js')
  const keys = new Set(Array.from({ length: 200 }, () => uuid()))
  expect(keys.size).toBe(200)
  for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const seen = new Set(Array.from({ length: 300 }, () => randomInt(6)))
  expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5])
})

test('the capture signatures match the shared vectors without TextEncoder or atob', () => {
  const { signPicture, captureField } = bareEngine().load('m/capture.js')
  const bytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'))
  for (const v of VECTORS.signatures) expect(signPicture(v.key, v.nonce, v.i, v.label, v.t, bytes(v.bytes_b64))).toBe(v.sig)
  const { challenge, pictures, field } = VECTORS.capture_field
  expect(JSON.parse(captureField(challenge, pictures.map((p) => ({ bytes: bytes(p.bytes_b64), t: p.t }))))).toEqual(field)
})

test('the tracker queue sends through what it is given, with no browser defaults', async () => {
  const { createTracker } = bareEngine().load('trackerQueue.js')
  const sent = []
  const tracker = createTracker({ endpoint: 'https://api/e', fetchImpl: async (url, init) => {
    sent.push([url, JSON.parse(init.body)])
    return { ok: true, status: 202 }
  }, sendBeacon: () => false, doc: null })
  tracker.start()
  tracker.track('page_view', { path: '/x' })
  await tracker.flush()
  expect(sent.length).toBe(1)
  expect(sent[0][1].events[0].name).toBe('page_view')
  // its own defaults (fetch, sendBeacon, document) are absent here: still nothing throws
  const bare = createTracker({ endpoint: 'https://api/e' })
  bare.start()
  bare.track('x')
  await bare.flush() // no fetch here: the batch stays queued for a later try
  expect(sent.length).toBe(1)
})
