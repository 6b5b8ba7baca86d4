// Photos before upload: a phone camera's 12-megapixel JPEG is far more than the checks need and
// can pass the 8 MB limit, so a large picture is scaled down (longest side `maxSide`) and
// re-encoded as JPEG. Small pictures go as they are, byte for byte.

export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024

/** Whether a picked file should be scaled down before upload. */
export function needsShrinking(file, { maxBytes = 3 * 1024 * 1024 } = {}) {
  return Boolean(file) && file.size > maxBytes
}

/** {width, height} scaled so that the longest side is at most `maxSide`. */
export function fitWithin(width, height, maxSide) {
  const longest = Math.max(width, height)
  if (!longest || longest <= maxSide) return { width, height }
  const k = maxSide / longest
  return { width: Math.round(width * k), height: Math.round(height * k) }
}

/** The file to upload: the original, or a scaled-down JPEG when it is large (best effort). */
export async function prepareImage(file, { maxSide = 2400, maxBytes = 3 * 1024 * 1024, quality = 0.9 } = {}) {
  if (!needsShrinking(file, { maxBytes })) return file
  try {
    const bitmap = await createImageBitmap(file)
    const { width, height } = fitWithin(bitmap.width, bitmap.height, maxSide)
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height)
    if (bitmap.close) bitmap.close()
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality))
    if (!blob || blob.size >= file.size) return file
    const name = (file.name || 'photo').replace(/\.\w+$/, '') + '.jpg'
    return new File([blob], name, { type: 'image/jpeg' })
  } catch {
    return file // the server answers IMAGE_TOO_LARGE if it really is too big
  }
}
