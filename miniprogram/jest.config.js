// Component and page tests of the mini-program: miniprogram-simulate renders the real WXML/JS
// (with test doubles of the vant components, tests/stubs) in jsdom; no WeChat DevTools needed.
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  setupFiles: ['<rootDir>/tests/setup.js'],
  clearMocks: true, // wx.* call records start empty in every test
}
