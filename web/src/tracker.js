// 埋点 in the H5 app: the shared queue (trackerQueue.js) with the browser's fetch, sendBeacon
// and page visibility, the anonymous device id and the login token. Every event carries
// `channel: 'H5'` so the funnel can tell the H5 app from the mini-program (channel 'WX').
import { createTracker as createQueue, EVENTS_URL } from './trackerQueue.js'
import { deviceId } from './ids.js'
import { getToken } from './api.js'
import { CHANNEL } from './channel.js'

export { EVENTS_URL }
export { CHANNEL }

/** A tracker with the browser's defaults; tests pass their own fetch, doc and clock. */
export function createTracker(options = {}) {
  return createQueue({ getAuthToken: getToken, getDeviceId: deviceId, ...options })
}

/** The page's tracker. */
export const tracker = createTracker({ baseProps: { channel: CHANNEL } })

export function track(name, props) {
  tracker.track(name, props)
}
