// The mini-program: the bank's own channel on the opendeposit API (docs/miniprogram.md).
const auth = require('./lib/auth.js')
const nav = require('./lib/nav.js')
const { setUnauthorizedHandler } = require('./lib/request.js')
const { tracker } = require('./lib/tracker.js')

App({
  onLaunch() {
    auth.install() // an expiring or refused token is renewed with a silent WeChat login
    setUnauthorizedHandler(() => nav.toLogin())
  },
  onHide() {
    tracker.flushBeacon() // what the tracker queued goes out when the app leaves the screen
  },
})
