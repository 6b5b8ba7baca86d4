import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTracker } from '../src/tracker.js'

function okFetch() {
  return vi.fn(async () => ({ ok: true, status: 202 }))
}

function bodies(fetchMock) {
  return fetchMock.mock.calls.map(([, init]) => JSON.parse(init.body))
}

function fakeDoc() {
  const listeners = {}
  return {
    visibilityState: 'visible',
    addEventListener: (type, fn) => ((listeners[type] ||= []).push(fn)),
    removeEventListener: (type, fn) => (listeners[type] = (listeners[type] || []).filter((f) => f !== fn)),
    hide() {
      this.visibilityState = 'hidden'
      for (const fn of listeners.visibilitychange || []) fn()
    },
  }
}

function make(overrides = {}) {
  const fetchImpl = overrides.fetchImpl || okFetch()
  const tracker = createTracker({
    fetchImpl,
    sendBeacon: overrides.sendBeacon || vi.fn(() => true),
    getDeviceId: () => 'web-device-1',
    getAuthToken: overrides.getAuthToken || (() => ''),
    doc: overrides.doc || fakeDoc(),
    ...overrides,
  })
  return { tracker, fetchImpl }
}

describe('tracker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-03-01T08:00:00Z'))
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('queues {name, ts, props} and posts {events, device_id} to /api/v1/events', async () => {
    const { tracker, fetchImpl } = make()
    tracker.track('page_view', { path: '/m/' })
    expect(tracker.queue).toEqual([{ name: 'page_view', ts: '2026-03-01T08:00:00.000Z', props: { path: '/m/' } }])
    await tracker.flush()
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    const [url, init] = fetchImpl.mock.calls[0]
    expect(url).toBe('/api/v1/events')
    expect(init.method).toBe('POST')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(init.headers.Authorization).toBeUndefined()
    expect(JSON.parse(init.body)).toEqual({
      events: [{ name: 'page_view', ts: '2026-03-01T08:00:00.000Z', props: { path: '/m/' } }],
      device_id: 'web-device-1',
    })
    expect(tracker.queue).toEqual([])
  })

  it('sends the bearer token once logged in', async () => {
    const { tracker, fetchImpl } = make({ getAuthToken: () => 'tok-123' })
    tracker.track('login_succeeded')
    await tracker.flush()
    expect(fetchImpl.mock.calls[0][1].headers.Authorization).toBe('Bearer tok-123')
  })

  it('caps a POST at 50 events', async () => {
    const { tracker, fetchImpl } = make()
    for (let i = 0; i < 120; i += 1) tracker.track('e', { i })
    await tracker.flush()
    const sizes = bodies(fetchImpl).map((b) => b.events.length)
    expect(sizes).toEqual([50, 50, 20])
    // order kept across batches
    const order = bodies(fetchImpl).flatMap((b) => b.events.map((e) => e.props.i))
    expect(order).toEqual([...Array(120).keys()])
  })

  it('keeps at most 500 events, dropping the oldest', () => {
    const { tracker } = make()
    for (let i = 0; i < 520; i += 1) tracker.track('e', { i })
    const q = tracker.queue
    expect(q).toHaveLength(500)
    expect(q[0].props.i).toBe(20)
    expect(q[499].props.i).toBe(519)
    expect(tracker.dropped).toBe(20)
  })

  it('flushes 5 s after an event is queued, not before', async () => {
    const { tracker, fetchImpl } = make()
    tracker.track('page_view', { path: '/m/' })
    await vi.advanceTimersByTimeAsync(4999)
    expect(fetchImpl).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    // nothing queued: no further posts
    await vi.advanceTimersByTimeAsync(30000)
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    // a later event gets its own 5 s timer
    tracker.track('trial_viewed')
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetchImpl).toHaveBeenCalledTimes(2)
  })

  it('several events within 5 s go out in one POST', async () => {
    const { tracker, fetchImpl } = make()
    tracker.track('a')
    await vi.advanceTimersByTimeAsync(2000)
    tracker.track('b')
    await vi.advanceTimersByTimeAsync(3000)
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    expect(bodies(fetchImpl)[0].events.map((e) => e.name)).toEqual(['a', 'b'])
  })

  it('puts a failed batch back and retries it on the next tick', async () => {
    const fetchImpl = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValue({ ok: true, status: 202 })
    const { tracker } = make({ fetchImpl })
    tracker.track('a')
    tracker.track('b')
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    expect(tracker.queue.map((e) => e.name)).toEqual(['a', 'b'])
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetchImpl).toHaveBeenCalledTimes(2)
    expect(tracker.queue).toEqual([])
    expect(bodies(fetchImpl)[1].events.map((e) => e.name)).toEqual(['a', 'b'])
  })

  it('retries after a 5xx but drops a batch the server refuses (4xx)', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce({ ok: false, status: 503 })
      .mockResolvedValueOnce({ ok: false, status: 422 })
    const { tracker } = make({ fetchImpl })
    tracker.track('a')
    await tracker.flush()
    expect(tracker.queue).toHaveLength(1)
    await tracker.flush()
    expect(tracker.queue).toHaveLength(0)
  })

  it('uses sendBeacon for what is left when the page is hidden', async () => {
    const doc = fakeDoc()
    const sendBeacon = vi.fn(() => true)
    const { tracker, fetchImpl } = make({ doc, sendBeacon })
    tracker.start()
    for (let i = 0; i < 60; i += 1) tracker.track('e', { i })
    doc.hide()
    expect(sendBeacon).toHaveBeenCalledTimes(2)
    const [url, blob] = sendBeacon.mock.calls[0]
    expect(url).toBe('/api/v1/events')
    expect(blob.type).toBe('application/json')
    const first = JSON.parse(await blob.text())
    expect(first.device_id).toBe('web-device-1')
    expect(first.events).toHaveLength(50)
    const second = JSON.parse(await sendBeacon.mock.calls[1][1].text())
    expect(second.events).toHaveLength(10)
    expect(tracker.queue).toEqual([])
    // the 5 s timer was cancelled: nothing is sent twice
    await vi.advanceTimersByTimeAsync(10000)
    expect(fetchImpl).not.toHaveBeenCalled()
    tracker.stop()
  })

  it('falls back to fetch keepalive when sendBeacon refuses', async () => {
    const doc = fakeDoc()
    const { tracker, fetchImpl } = make({ doc, sendBeacon: vi.fn(() => false) })
    tracker.start()
    tracker.track('a')
    doc.hide()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    expect(fetchImpl.mock.calls[0][1].keepalive).toBe(true)
    tracker.stop()
  })

  it('never throws into the page', async () => {
    const { tracker } = make({
      fetchImpl: () => {
        throw new Error('boom')
      },
      sendBeacon: () => {
        throw new Error('boom')
      },
    })
    const cyclic = {}
    cyclic.self = cyclic
    expect(() => tracker.track('a', cyclic)).not.toThrow()
    expect(tracker.queue[0].props).toEqual({})
    await expect(tracker.flush()).resolves.toBeUndefined()
    expect(() => tracker.flushBeacon()).not.toThrow()
    expect(() => tracker.track()).not.toThrow()
  })
})
