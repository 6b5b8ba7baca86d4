// The global object, wherever the code runs. `globalThis` is missing from older JS engines —
// the WeChat mini-program's on some phones among them — and naming a missing global throws, so
// every shared module asks here: globalThis, then self / window / global, else an empty object
// (callers then take their fallbacks: Math.random, no storage, no beacon).

/** The global object, or {} when the engine names none. */
export function globalScope() {
  if (typeof globalThis !== 'undefined') return globalThis
  if (typeof self !== 'undefined') return self
  if (typeof window !== 'undefined') return window
  if (typeof global !== 'undefined') return global
  return {}
}
