// Short messages over the page: a wide text toast for errors (sentences, not icons).
import { showSuccessToast, showToast } from 'vant'
import { errorText } from '@shared/errors.js'

export function toastError(errOrText) {
  const message = typeof errOrText === 'string' ? errOrText : errorText(errOrText)
  showToast({ message, wordBreak: 'break-word', duration: 2600, className: 'od-toast' })
}

export function toastOk(message) {
  showSuccessToast({ message, wordBreak: 'break-word' })
}
