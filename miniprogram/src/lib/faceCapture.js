// Liveness pictures from the `camera` component, in the shape the server's checks expect
// (identity/docs.md "Capture protocol", docs/miniprogram.md "Liveness pictures"):
// - front camera photos: `takePhoto` mirrors them by default (`selfieMirror`, default true,
//   base library 2.22.0+); we ask for `selfieMirror: false`, so the picture shows the person as
//   the camera sees them and `mirrored=false` goes with it. Older base libraries ignore the
//   option and give the mirrored selfie: there `mirrored=true` tells the server to swap left
//   and right for the head turns.
// - orientation: the server applies the EXIF orientation (Pillow exif_transpose), so a photo
//   goes as the camera wrote it; a picture with any orientation but 'up' is never re-encoded
//   here (a re-encoder might drop the tag without rotating).
// - size: 'normal' quality, `resolution="medium"`; a JPEG still larger than MAX_BYTES or
//   MAX_SIDE is shrunk with wx.compressImage. iOS writes PNG, which wx.compressImage cannot
//   shrink: it goes as it is (the server takes PNG up to 8 MB a picture, 12 MB a request).
// - timing: `t` of each picture is taken from Date.now() against the challenge's arrival
//   (the protocol allows it for the mini-program); the signatures are over the exact bytes
//   that are uploaded (lib/onboarding.js uploadFace reads each file once for both).

const SELFIE_MIRROR_SINCE = '2.22.0'
const MAX_SIDE = 1600
const MAX_BYTES = 2 * 1024 * 1024

/** -1, 0, 1 as version a is below, equal to, above version b ('2.21.4' vs '2.22.0'). */
function compareVersion(a, b) {
  const pa = String(a || '').split('.').map((n) => parseInt(n, 10) || 0)
  const pb = String(b || '').split('.').map((n) => parseInt(n, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] || 0) - (pb[i] || 0)
    if (d) return d < 0 ? -1 : 1
  }
  return 0
}

function baseLibraryVersion() {
  try {
    const info = typeof wx.getAppBaseInfo === 'function' ? wx.getAppBaseInfo() : wx.getSystemInfoSync()
    return (info && info.SDKVersion) || ''
  } catch (e) {
    return ''
  }
}

/** Whether takePhoto's front-camera pictures come out mirrored here (even with selfieMirror off). */
function photosMirrored(version = baseLibraryVersion()) {
  return Boolean(version) && compareVersion(version, SELFIE_MIRROR_SINCE) < 0
}

/** One picture with the front camera: {path, at} (at = Date.now() when it was asked for). */
function takeFrontPhoto(ctx) {
  const at = Date.now()
  return new Promise((resolve, reject) => {
    ctx.takePhoto({
      quality: 'normal',
      selfieMirror: false,
      success: (res) => resolve({ path: res.tempImagePath, at }),
      fail: reject,
    })
  })
}

function call(api, options) {
  return new Promise((resolve, reject) => wx[api]({ ...options, success: resolve, fail: reject }))
}

function fileSize(path) {
  try {
    return wx.getFileSystemManager().statSync(path).size || 0
  } catch (e) {
    return 0
  }
}

/** The picture to upload: the camera's own file, or a smaller JPEG of it (best effort). */
async function fitForUpload(path) {
  let info
  try {
    info = await call('getImageInfo', { src: path })
  } catch (e) {
    return path // the server says what is wrong with it
  }
  const longest = Math.max(info.width || 0, info.height || 0)
  const jpeg = info.type === 'jpeg' || info.type === 'jpg'
  const upright = !info.orientation || info.orientation === 'up'
  if (!jpeg || !upright || (longest <= MAX_SIDE && fileSize(path) <= MAX_BYTES)) return path
  const side = info.width >= info.height ? { compressedWidth: Math.min(info.width, MAX_SIDE) } : { compressedHeight: Math.min(info.height, MAX_SIDE) }
  try {
    const res = await call('compressImage', { src: path, quality: 85, ...side })
    return res.tempFilePath || path
  } catch (e) {
    return path
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Guided capture with the `camera` component, as onboarding's face step and the face-verify
 * component take it: for each step (the selfie, then each action) its prompt and a countdown
 * (`onPrompt(step, secondsLeft)`), then one front-camera photo; the photos then fitted for
 * upload. → {paths, ats} (ats: Date.now() of each), or null when `cancelled()` turned true.
 * A camera failure is thrown (no permission, no camera).
 */
async function guidedCapture(ctx, steps, { onPrompt, cancelled = () => false, delayS = 3 } = {}) {
  const shots = []
  for (const step of steps) {
    for (let s = delayS; s > 0; s -= 1) {
      if (cancelled()) return null
      if (onPrompt) onPrompt(step, s)
      await sleep(1000)
    }
    shots.push(await takeFrontPhoto(ctx))
  }
  if (cancelled()) return null
  const paths = []
  for (const shot of shots) paths.push(await fitForUpload(shot.path))
  return { paths, ats: shots.map((shot) => shot.at) }
}

/** Milliseconds from the challenge's arrival to `at`, never negative. */
function sinceChallenge(challengeAt, at = Date.now()) {
  return Math.max(0, Math.round(at - (challengeAt || at)))
}

module.exports = { compareVersion, photosMirrored, takeFrontPhoto, fitForUpload, guidedCapture, sinceChallenge, SELFIE_MIRROR_SINCE, MAX_SIDE, MAX_BYTES }
