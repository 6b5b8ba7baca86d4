// A fresh `wx` for every test file: in-memory storage and jest mocks of the APIs the app uses.
// miniprogram-simulate merges its own `wx` under this one when it loads.
const storage = new Map()

global.wx = {
  getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
  setStorageSync: (k, v) => storage.set(k, v),
  removeStorageSync: (k) => storage.delete(k),
  clearStorageSync: () => storage.clear(),
  request: jest.fn(),
  downloadFile: jest.fn(),
  openDocument: jest.fn((o) => o.success && o.success({})),
  login: jest.fn((o) => o.success({ code: 'real-wx-code' })),
  showToast: jest.fn(),
  showModal: jest.fn((o) => o.success && o.success({ confirm: true, cancel: false })),
  showLoading: jest.fn(),
  hideLoading: jest.fn(),
  navigateTo: jest.fn(),
  redirectTo: jest.fn(),
  switchTab: jest.fn(),
  reLaunch: jest.fn(),
  navigateBack: jest.fn(),
  setNavigationBarTitle: jest.fn(),
  stopPullDownRefresh: jest.fn(),
  chooseMedia: jest.fn(),
  chooseMessageFile: jest.fn(),
  uploadFile: jest.fn(),
  createCameraContext: jest.fn(),
  getFileSystemManager: () => ({
    readFileSync: (p) => Uint8Array.from(Buffer.from(`bytes of ${p}`)).buffer,
    writeFileSync: jest.fn(),
    statSync: () => ({ size: 300 * 1024 }),
  }),
  getImageInfo: jest.fn((o) => o.success({ width: 720, height: 960, type: 'jpeg', orientation: 'up' })),
  compressImage: jest.fn((o) => o.success({ tempFilePath: `${o.src}.small.jpg` })),
  getAppBaseInfo: jest.fn(() => ({ SDKVersion: '3.8.0' })),
  getLocation: jest.fn((o) => o.fail && o.fail({ errMsg: 'getLocation:fail auth deny' })),
  env: { USER_DATA_PATH: 'wxfile://usr' },
  setClipboardData: jest.fn(),
  pageScrollTo: jest.fn(),
  vibrateShort: jest.fn(),
}
global.__storage = storage
