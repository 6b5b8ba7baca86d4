// Loading one product, shared by the detail and the purchase page.
import { ref } from 'vue'
import { api } from '@shared/api.js'
import { toFen } from '@shared/money.js'

export function useProduct(code) {
  const product = ref(null)
  const loading = ref(true)
  const error = ref(null)
  async function load() {
    loading.value = true
    error.value = null
    try {
      product.value = await api.get(`/products/${encodeURIComponent(code)}`, { auth: false })
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }
  return { product, loading, error, load }
}

/** Amount rules the page can check before asking the server: minimum and step. */
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
