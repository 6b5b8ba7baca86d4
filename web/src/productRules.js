// Amount rules of a product that a client checks before asking the server (minimum, step,
// quota left); the server checks them again. Shared by the H5 app and the mini-program.
import { toFen } from './money.js'

/** The sentence for why `fen` cannot be bought of `product`, or '' ( `t` translates). */
export function productAmountProblem(product, fen, t) {
  if (!product || fen === null) return ''
  const min = toFen(product.min_amount)
  const step = toFen(product.step_amount)
  if (min !== null && fen < min) return t('product.belowMin', { min: product.min_amount })
  // When the minimum is a multiple of the step, "min + k·step" and "k·step" agree: check it.
  if (step && min !== null && min % step === 0 && fen % step !== 0) {
    return t('product.notStep', { step: product.step_amount })
  }
  const quota = toFen(product.quota_left)
  if (quota !== null && fen > quota) return t('product.overQuota')
  return ''
}
