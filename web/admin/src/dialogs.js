// Confirmation for every destructive or audited action: a dialog that names what will happen and,
// where the server records why, asks for the reason (required, as the server requires it).
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { t } from '@shared/i18n.js'
import { errorText } from '@shared/errors.js'

export const REASON_MIN = 2
export const REASON_MAX = 500

/** A reason the server will accept, or the problem's i18n key. */
export function reasonProblem(text) {
  const s = String(text ?? '').trim()
  if (s.length < REASON_MIN) return 'dialog.reasonRequired'
  if (s.length > REASON_MAX) return 'dialog.reasonTooLong'
  return null
}

/**
 * Ask for a reason before an action → the trimmed reason, or null when cancelled.
 * `danger` paints the confirm button red (freeze, close, reject, re-issue...).
 */
export async function askReason({ title, message, confirmText, danger = true, placeholder }) {
  try {
    const { value } = await ElMessageBox.prompt(message, title, {
      confirmButtonText: confirmText || t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      inputType: 'textarea',
      inputPlaceholder: placeholder || t('dialog.reasonPlaceholder'),
      inputValidator: (v) => {
        const problem = reasonProblem(v)
        return problem ? t(problem, { min: REASON_MIN, max: REASON_MAX }) : true
      },
      type: danger ? 'warning' : 'info',
      confirmButtonClass: danger ? 'el-button--danger' : '',
      closeOnClickModal: false,
      customClass: 'od-reason-box',
    })
    return String(value).trim()
  } catch {
    return null
  }
}

/** A plain yes/no confirmation → true when confirmed. */
export async function confirmAction({ title, message, confirmText, danger = true }) {
  try {
    await ElMessageBox.confirm(message, title, {
      confirmButtonText: confirmText || t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      type: danger ? 'warning' : 'info',
      confirmButtonClass: danger ? 'el-button--danger' : '',
      closeOnClickModal: false,
    })
    return true
  } catch {
    return false
  }
}

export function toastOk(text) {
  ElMessage({ type: 'success', message: text, showClose: true })
}

export function toastWarn(text) {
  ElMessage({ type: 'warning', message: text, showClose: true, duration: 10000 })
}

export function toastError(err) {
  ElMessage({ type: 'error', message: errorText(err), showClose: true, duration: 6000 })
}

/** Run an action and report how it went; → its result, or undefined when it failed. */
export async function act(fn, okText) {
  try {
    const result = await fn()
    if (okText) toastOk(okText)
    return result
  } catch (err) {
    toastError(err)
    return undefined
  }
}
