// Loading one product, shared by the detail and the purchase page.
import { ref } from 'vue'
import { api } from '@shared/api.js'
export { productAmountProblem } from '@shared/productRules.js'

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
