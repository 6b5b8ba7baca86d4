// 埋点, the part both clients share: a bounded queue of analytics events sent to
// POST /api/v1/events in batches. Plain JS; every I/O is passed in, so the H5 app (tracker.js:
// fetch, sendBeacon, the page's visibility) and the mini-program (wx.request, App.onHide) use
// this same file (the defaults look the browser's up through globalScope: no `globalThis` needed).
//
// - bounded queue (oldest dropped past `maxQueue`), at most `batchSize` events per POST;
// - a flush runs `intervalMs` after the first queued event (so an event waits at most that long);
// - when the page is hidden, what is left goes out with `sendBeacon` (no auth header possible
//   there: the anonymous device id identifies the sender), else fetch keepalive;
// - a failed batch goes back to the front of the queue and is retried on the next flush;
// - nothing here ever throws into the page or blocks it.

import { globalScope } from './globalScope.js'

export const EVENTS_URL = '/api/v1/events'

function plain(props) {
  if (!props || typeof props !== 'object') return {}
  try {
    return JSON.parse(JSON.stringify(props))
  } catch {
    return {}
  }
}

/**
 * A tracker: `track(name, props)` queues; batches go out through `fetchImpl` (a fetch-shaped
 * function: (url, {method, headers, body, keepalive}) → {ok, status}). `baseProps` are merged
 * into every event's props and win over the caller's (e.g. {channel: 'H5'}).
 */
export function createTracker(options = {}) {
  const root = globalScope()
  const {
    endpoint = EVENTS_URL,
    maxQueue = 500,
    batchSize = 50,
    intervalMs = 5000,
    baseProps = {},
    getAuthToken = () => '',
    getDeviceId = () => '',
    now = () => new Date(),
    fetchImpl = (...args) => root.fetch(...args),
    sendBeacon = (url, data) =>
      root.navigator && typeof root.navigator.sendBeacon === 'function'
        ? root.navigator.sendBeacon(url, data)
        : false,
    doc = root.document,
  } = options

  const base = plain(baseProps)
  const queue = []
  let dropped = 0
  let timer = null
  let flushing = null
  let listening = false

  function trim() {
    while (queue.length > maxQueue) {
      queue.shift()
      dropped += 1
    }
  }

  function schedule() {
    if (timer !== null || queue.length === 0) return
    timer = setTimeout(() => {
      timer = null
      flush()
    }, intervalMs)
  }

  function body(events) {
    return JSON.stringify({ events, device_id: getDeviceId() })
  }

  function headers() {
    const h = { 'Content-Type': 'application/json' }
    const token = getAuthToken()
    if (token) h.Authorization = `Bearer ${token}`
    return h
  }

  /** Queue one event; returns nothing and never throws. */
  function track(name, props) {
    try {
      if (!name) return
      queue.push({ name: String(name), ts: now().toISOString(), props: { ...plain(props), ...base } })
      trim()
      schedule()
    } catch {
      // analytics must never break the page
    }
  }

  async function sendBatch(events) {
    const res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: headers(),
      body: body(events),
      keepalive: true,
    })
    // 4xx other than 429 will not get better by retrying: drop the batch.
    if (res && !res.ok && (res.status >= 500 || res.status === 429)) {
      throw new Error(`events ${res.status}`)
    }
  }

  /** Send everything queued, one POST per batch; resolves when done, never rejects. */
  function flush() {
    if (timer !== null) {
      clearTimeout(timer)
      timer = null
    }
    if (flushing) return flushing
    flushing = (async () => {
      try {
        while (queue.length > 0) {
          const batch = queue.splice(0, batchSize)
          try {
            await sendBatch(batch)
          } catch {
            queue.unshift(...batch)
            trim()
            break
          }
        }
      } catch {
        // ignore
      } finally {
        flushing = null
        schedule()
      }
    })()
    return flushing
  }

  /** The page is going away: hand what is left to the browser (sendBeacon, else keepalive). */
  function flushBeacon() {
    try {
      if (timer !== null) {
        clearTimeout(timer)
        timer = null
      }
      while (queue.length > 0) {
        const batch = queue.splice(0, batchSize)
        const data = body(batch)
        let sent = false
        try {
          const blob = typeof Blob === 'function' ? new Blob([data], { type: 'application/json' }) : data
          sent = Boolean(sendBeacon(endpoint, blob))
        } catch {
          sent = false
        }
        if (!sent) {
          Promise.resolve()
            .then(() => fetchImpl(endpoint, { method: 'POST', headers: headers(), body: data, keepalive: true }))
            .catch(() => {})
        }
      }
    } catch {
      // ignore
    }
  }

  function onVisibility() {
    if (doc && doc.visibilityState === 'hidden') flushBeacon()
  }

  /** Listen for the page being hidden or unloaded. */
  function start() {
    if (listening || !doc) return
    listening = true
    doc.addEventListener('visibilitychange', onVisibility)
    if (root.addEventListener) root.addEventListener('pagehide', flushBeacon)
  }

  function stop() {
    if (!listening || !doc) return
    listening = false
    doc.removeEventListener('visibilitychange', onVisibility)
    if (root.removeEventListener) root.removeEventListener('pagehide', flushBeacon)
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  return {
    track,
    flush,
    flushBeacon,
    start,
    stop,
    get queue() {
      return queue.slice()
    },
    get dropped() {
      return dropped
    },
  }
}
