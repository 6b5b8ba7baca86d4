// 埋点 in the mini-program: the H5 app's queue (shared/trackerQueue.js) with wx.request, the
// same event names and batching, and `channel: 'WX'` on every event so the funnel covers both
// channels. What is queued goes out when the app is hidden (app.js onHide).
const config = require('../config.js')
const session = require('./session.js')
const { createTracker } = require('../shared/trackerQueue.js')

const { CHANNEL } = require('./channel.js')

/** fetch-shaped wx.request: → {ok, status}; a network failure rejects (the batch is retried). */
function wxFetch(url, init) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: init.method,
      header: init.headers,
      data: init.body,
      success: (res) => resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode }),
      fail: reject,
    })
  })
}

function create(options = {}) {
  return createTracker({
    endpoint: `${config.apiBase.replace(/\/$/, '')}/api/v1/events`,
    baseProps: { channel: CHANNEL },
    getDeviceId: session.deviceId,
    getAuthToken: session.getToken,
    fetchImpl: wxFetch,
    sendBeacon: () => false, // no beacon here: flushBeacon falls back to a request
    doc: null,
    ...options,
  })
}

const tracker = create()

function track(name, props) {
  tracker.track(name, props)
}

module.exports = { tracker, track, create, CHANNEL }
