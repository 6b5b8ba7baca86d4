// Moving between pages: tab pages by switchTab, the others by navigateTo; pages that need a
// session send the customer to login first and come back after.
const session = require('./session.js')

const TABS = ['/pages/home/index', '/pages/deposits/index', '/pages/account/index', '/pages/me/index']

function isTab(url) {
  return TABS.includes(String(url).split('?')[0])
}

function open(url) {
  if (isTab(url)) wx.switchTab({ url: String(url).split('?')[0] })
  else wx.navigateTo({ url })
}

/** Go to login, then back to `redirect` (default: where the customer is). */
function toLogin(redirect) {
  let back = redirect
  if (!back) {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
    const here = pages.length ? pages[pages.length - 1] : null
    if (here && here.route === 'pages/login/index') return
    back = here ? `/${here.route}` : '/pages/home/index'
  }
  wx.navigateTo({ url: `/pages/login/index?redirect=${encodeURIComponent(back)}` })
}

/** True when logged in; else off to login (and back to `redirect`). */
function requireLogin(redirect) {
  if (session.loggedIn()) return true
  toLogin(redirect)
  return false
}

/** After login: back where the customer wanted to go. */
function afterLogin(redirect) {
  const to = redirect && redirect.startsWith('/pages/') ? redirect : '/pages/account/index'
  if (isTab(to)) wx.switchTab({ url: to.split('?')[0] })
  else wx.redirectTo({ url: to })
}

module.exports = { open, toLogin, requireLogin, afterLogin, isTab, TABS }
