// Where the opendeposit API is, and whether it is a sandbox (demo) server. Set `apiBase` to the
// server you preview against (docs/miniprogram.md): DevTools needs "不校验合法域名" for http
// and IP addresses; a phone preview needs the server reachable from the phone.
module.exports = {
  apiBase: 'http://127.0.0.1:8000',
  // sandbox: the demo's simulated WeChat (POST /sandbox/wechat/code instead of a real wx.login
  // code, which only WeChat's servers can exchange), its SMS inbox and its sample identities
  sandbox: true,
  requestTimeoutMs: 20000,
}
