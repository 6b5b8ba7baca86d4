// 开立账户, the e-KYC details the server insists on: the sandbox's signed face kit sent byte for
// byte, mirrored pictures on old base libraries, the ID card's document warnings, the proof of
// residence (RESIDENCE_PROOF_REQUIRED) and the optional location sharing.
const fs = require('fs')
const path = require('path')
const { render, text, settle, body, multipart, SRC } = require('./helpers.js')
const { CHALLENGE, FIELDS, expectSigned, server } = require('./openFixtures.js')
const session = require('../src/lib/session.js')
const config = require('../src/config.js')
const faceCapture = require('../src/lib/faceCapture.js')

const IDENT = {
  key: 'gd-shenzhen', name: '张伟', phone: '13900139000', card_number: '6228480000001390004', note_zh: '深圳南山',
  images: { front: '/sandbox/identities/gd-shenzhen/front.jpg', back: '/sandbox/identities/gd-shenzhen/back.jpg' },
  face_kit: '/sandbox/identities/gd-shenzhen/face-kit',
}
const KIT_JPEG = (n) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0, 12]), Buffer.from(`odkit1|n-${n}`), Buffer.from([0xff, 0xd9])])

let files
let shot

beforeEach(() => {
  wx.clearStorageSync()
  config.sandbox = false
  session.setToken('tok', 1800)
  session.setPhone('13900139000')
  files = new Map() // what the page wrote with the file system manager, by path
  shot = 0
  wx.getFileSystemManager = () => ({
    readFileSync: (p) => {
      const b = files.has(p) ? files.get(p) : Buffer.from(`bytes of ${p}`)
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length)
    },
    writeFileSync: (p, data, encoding) => files.set(p, Buffer.from(data, encoding)),
    statSync: (p) => ({ size: files.has(p) ? files.get(p).length : 300 * 1024 }),
  })
  wx.getAppBaseInfo.mockImplementation(() => ({ SDKVersion: '3.8.0' }))
  wx.getImageInfo.mockImplementation((o) => o.success({ width: 720, height: 960, type: 'jpeg', orientation: 'up' }))
  wx.getLocation.mockImplementation((o) => o.fail({ errMsg: 'getLocation:fail auth deny' }))
  wx.chooseMedia.mockImplementation((o) => o.success({ tempFiles: [{ tempFilePath: `wxfile://tmp/${o.sourceType[0]}-proof.jpg` }] }))
  wx.downloadFile.mockImplementation((o) => o.success({ statusCode: 200, tempFilePath: `wxfile://tmp/${o.url.split('/').pop()}` }))
  wx.createCameraContext.mockImplementation(() => ({ takePhoto: (o) => o.success({ tempImagePath: `wxfile://tmp/shot-${(shot += 1)}.jpg` }) }))
})

afterEach(() => jest.useRealTimers())

async function atFaceStep(routes = {}) {
  const seen = server({ 'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'identity', next_step: 'face' }), ...routes })
  const open = render('pages/open/index')
  open.instance.consented = true
  open.instance.onLoad()
  await settle()
  await open.instance.loadTerms()
  expect(open.data.page).toBe('face')
  return { open, seen }
}

test('the sandbox face kit is asked for this challenge and sent byte for byte', async () => {
  config.sandbox = true
  const kit = { selfie: KIT_JPEG(0).toString('base64'), frames: [KIT_JPEG(1).toString('base64'), KIT_JPEG(2).toString('base64')] }
  const { open, seen } = await atFaceStep({
    'GET /sandbox/identities': () => ({ items: [IDENT] }),
    'POST /sandbox/identities/gd-shenzhen/face-kit': () => kit,
  })
  await settle()
  await open.instance.onPickIdentity({ currentTarget: { dataset: { key: 'gd-shenzhen' } } })
  await open.instance.onSandboxFace()
  const asked = body(seen.find((r) => r.path.endsWith('/face-kit')))
  expect(asked).toMatchObject({ actions: CHALLENGE.actions, nonce: 'n-1', mirrored: false })
  await open.instance.onFaceSubmit()
  await settle()
  const upload = seen.find((r) => r.path.endsWith('/onboarding/7/face'))
  const { parts } = expectSigned(upload, CHALLENGE)
  const sent = parts.filter((p) => p.name === 'selfie' || p.name === 'frames').map((p) => p.data.toString('base64'))
  expect(sent).toEqual([kit.selfie, ...kit.frames]) // the sandbox's signature inside each JPEG intact
  expect(parts.find((p) => p.name === 'mirrored').value).toBe('false')
  expect(wx.compressImage).not.toHaveBeenCalled()
  expect(open.data.page).toBe('card')
})

test('on a base library without selfieMirror the pictures go as mirrored', async () => {
  wx.getAppBaseInfo.mockImplementation(() => ({ SDKVersion: '2.21.4' }))
  const { open, seen } = await atFaceStep()
  jest.useFakeTimers()
  open.instance.onCapture()
  await jest.runAllTimersAsync()
  await open.instance.onFaceSubmit()
  jest.useRealTimers()
  await settle()
  const parts = multipart(seen.find((r) => r.path.endsWith('/face')))
  expect(parts.find((p) => p.name === 'mirrored').value).toBe('true')
})

test('which pictures are shrunk before signing, and which go as the camera wrote them', async () => {
  expect(faceCapture.photosMirrored('2.22.0')).toBe(false)
  expect(faceCapture.photosMirrored('2.9.10')).toBe(true)
  expect(faceCapture.photosMirrored('')).toBe(false) // unknown: a current WeChat
  const info = (i) => wx.getImageInfo.mockImplementationOnce((o) => o.success(i))
  info({ width: 720, height: 960, type: 'jpeg', orientation: 'up' })
  expect(await faceCapture.fitForUpload('a.jpg')).toBe('a.jpg') // small: untouched
  info({ width: 3024, height: 4032, type: 'jpeg', orientation: 'up' })
  expect(await faceCapture.fitForUpload('big.jpg')).toBe('big.jpg.small.jpg')
  expect(wx.compressImage.mock.calls[0][0]).toMatchObject({ src: 'big.jpg', compressedHeight: 1600 })
  info({ width: 4032, height: 3024, type: 'jpeg', orientation: 'right' })
  expect(await faceCapture.fitForUpload('turned.jpg')).toBe('turned.jpg') // EXIF rotation: the server applies it
  info({ width: 1080, height: 1920, type: 'png', orientation: 'up' })
  expect(await faceCapture.fitForUpload('ios.png')).toBe('ios.png') // compressImage cannot shrink PNG on iOS
  expect(wx.compressImage).toHaveBeenCalledTimes(1)
})

test('document warnings: a blocking one is the error with its sentence, a review one a notice', async () => {
  let answer = [422, { error: { code: 'ID_CARD_GLARE', message: 'Glare.', message_zh: '证件反光，请将证件稍微倾斜避开光源后重新拍摄。', details: { side: 'front', warning: { code: 'ID_CARD_GLARE', score: 0.4 } } } }]
  const seen = server({
    'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'application', next_step: 'id_card' }),
    'POST /api/v1/onboarding/7/id-card': () => answer,
  })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  open.setData({ 'idcard.front': 'wxfile://f.jpg', 'idcard.back': 'wxfile://b.jpg' })
  await open.instance.onIdSubmit()
  expect(open.data.page).toBe('idcard')
  expect(open.data.idcard.bad).toBe('front')
  expect(text(open)).toContain('证件反光，请将证件稍微倾斜避开光源后重新拍摄。')
  answer = { id: 7, status: 'id_card', next_step: 'identity', fields: FIELDS, warnings: ['ID_CARD_TEMPORARY', 'ID_CARD_EDITED'] }
  await open.instance.onIdSubmit()
  await settle()
  expect(open.data.page).toBe('identity')
  expect(open.data.identityMessage).toBe('') // not a misread number
  expect(text(open)).toContain('使用临时身份证。 您的申请将转人工审核，可继续办理。')
  expect(text(open)).toContain('证件字段疑似被修改（PS）。 您的申请将转人工审核，可继续办理。')
  expect(open.querySelectorAll('.notice').length).toBe(2)
  answer = { ...answer, warnings: ['ID_NUMBER_CHECKSUM'] }
  open.instance.onRetakeId()
  await open.instance.onIdSubmit()
  await settle()
  expect(open.data.identityMessage).toContain('身份证号')
  expect(open.data.documentNotices).toEqual([])
  expect(seen.filter((r) => r.path.endsWith('/id-card')).length).toBe(3)
})

test('a proof of residence when the server asks for it, then the submission again', async () => {
  let submits = 0
  const seen = server({
    'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'card_confirmed', next_step: 'submit', residence_proof: false }),
    'POST /api/v1/onboarding/7/submit': () => ((submits += 1) === 1
      ? [422, { error: { code: 'RESIDENCE_PROOF_REQUIRED', message: 'Proof needed.', message_zh: '您的证件签发地不在服务区域，请上传居住证明后再提交。' } }]
      : { id: 7, status: 'review', reasons: [{ code: 'OUT_OF_AREA_WITH_PROOF', message_zh: '证件签发地不在服务区域，居住证明待审核。' }] }),
    'POST /api/v1/onboarding/7/residence-proof': () => ({ id: 7, status: 'card_confirmed', residence_proof: { kind: 'social_insurance' } }),
  })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  expect(open.data.page).toBe('agreements')
  await settle()
  open.setData({ 'terms[0].accepted': true, 'terms[1].accepted': true })
  open.instance.onTermsNext()
  open.instance.onPin({ detail: { pin: '135790' } })
  open.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  // back on the agreements page, with the proof card and the server's sentence
  expect(open.data.page).toBe('agreements')
  expect(open.data.termsMessage).toBe('您的证件签发地不在服务区域，请上传居住证明后再提交。')
  expect(text(open)).toContain('补充居住证明')
  expect(text(open)).toContain('社保缴纳证明')
  open.querySelector('#terms-next').dispatchEvent('click')
  await settle()
  expect(open.data.page).toBe('agreements')
  expect(open.data.termsMessage).toBe('请先上传居住证明')
  // the kind, a photo (album), the upload
  open.instance.onProofKind({ currentTarget: { dataset: { kind: 'social_insurance' } } })
  await open.instance.onProofPhoto({ currentTarget: { dataset: { source: 'album' } } })
  expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ sourceType: ['album'], mediaType: ['image'] })
  await open.instance.onProofSend()
  const parts = multipart(seen.find((r) => r.path.endsWith('/residence-proof')))
  expect(parts.map((p) => p.name).sort()).toEqual(['file', 'kind'])
  expect(parts.find((p) => p.name === 'kind').value).toBe('social_insurance')
  expect(parts.find((p) => p.name === 'file').value).toBe('bytes of wxfile://tmp/album-proof.jpg')
  expect(text(open)).toContain('居住证明已上传')
  expect(open.data.terms.every((a) => a.accepted)).toBe(true) // the ticks were kept
  // and the submission again
  open.querySelector('#terms-next').dispatchEvent('click')
  await settle()
  expect(open.data.page).toBe('pin')
  open.instance.onPin({ detail: { pin: '135790' } })
  open.instance.onPin({ detail: { pin: '135790' } })
  await settle()
  expect(submits).toBe(2)
  expect(open.data.result.kind).toBe('review')
  expect(text(open)).toContain('居住证明待审核')
})

test('a resumed application that has its proof already is not asked again', async () => {
  server({ 'GET /api/v1/onboarding/current': () => ({ id: 7, status: 'card_confirmed', next_step: 'submit', residence_proof: true }) })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  expect(open.data.proof.sent).toBe(true)
  open.instance.proofRequired({ code: 'RESIDENCE_PROOF_REQUIRED', messageZh: '请上传居住证明。' })
  expect(open.data.proof.needed).toBe(true) // the server asked again: a new proof
  expect(open.data.proof.sent).toBe(false)
})

test('location: asked only when the customer opts in, sent with the application', async () => {
  wx.getLocation.mockImplementation((o) => o.success({ latitude: 22.5431, longitude: 114.0579, accuracy: 35.4 }))
  let seen = server()
  let open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  await open.instance.onStart()
  expect(wx.getLocation).not.toHaveBeenCalled()
  expect(body(seen.find((r) => r.path === '/api/v1/onboarding' && r.method === 'POST')).location).toBeUndefined()

  seen = server()
  open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  open.querySelector('#location-opt-in').dispatchEvent('change', { detail: true })
  await settle()
  await open.instance.onStart()
  expect(wx.getLocation.mock.calls[0][0].type).toBe('wgs84')
  expect(body(seen.find((r) => r.path === '/api/v1/onboarding' && r.method === 'POST'))).toEqual({
    device_id: session.deviceId(), location: { lat: 22.5431, lon: 114.0579, accuracy_m: 35 } })
  expect(open.data.location.shared).toBe(true)
})

test('location refused: the application starts without it; shared later with PUT', async () => {
  const seen = server({ 'PUT /api/v1/onboarding/7/location': () => ({ id: 7, status: 'card_confirmed', location_in_area: true }) })
  const open = render('pages/open/index')
  open.instance.onLoad()
  await settle()
  open.instance.onLocationOptIn({ detail: true })
  await open.instance.onStart()
  expect(body(seen.find((r) => r.path === '/api/v1/onboarding')).location).toBeUndefined()
  expect(open.data.location.shared).toBe(false)
  // on the agreements page, before submitting
  open.instance.app = { id: 7, status: 'card_confirmed', next_step: 'submit' }
  open.instance.go('agreements')
  await settle()
  await open.instance.onShareLocationNow({ detail: true })
  expect(open.data.location.message).toContain('未能获取位置')
  expect(seen.filter((r) => r.method === 'PUT').length).toBe(0)
  wx.getLocation.mockImplementation((o) => o.success({ latitude: 23.1291, longitude: 113.2644, accuracy: 20 }))
  open.querySelector('#location-now').dispatchEvent('change', { detail: true })
  await settle()
  expect(body(seen.find((r) => r.method === 'PUT'))).toEqual({ lat: 23.1291, lon: 113.2644, accuracy_m: 20 })
  expect(open.data.location.shared).toBe(true)
  expect(text(open)).toContain('已共享您的位置')
})

test('app.json declares the location permission and the private-info API it uses', () => {
  const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
  expect(app.permission['scope.userLocation'].desc).toBeTruthy()
  expect(app.requiredPrivateInfos).toContain('getLocation')
  const used = fs.readdirSync(path.join(SRC, 'pages/open')).filter((f) => f.endsWith('.js'))
    .some((f) => fs.readFileSync(path.join(SRC, 'pages/open', f), 'utf8').includes('wx.getLocation('))
  expect(used).toBe(true)
})
