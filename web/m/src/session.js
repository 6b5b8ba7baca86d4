// The customer's session as reactive state: the token in localStorage, and who is logged in.
import { reactive, computed } from 'vue'
import { getToken, setToken, clearToken, onTokenChange } from '@shared/api.js'

const PHONE_KEY = 'od_phone'

function read(key) {
  try {
    return localStorage.getItem(key) || ''
  } catch {
    return ''
  }
}

function write(key, value) {
  try {
    if (value) localStorage.setItem(key, value)
    else localStorage.removeItem(key)
  } catch {
    // ignore
  }
}

export const session = reactive({
  token: getToken(),
  phone: read(PHONE_KEY), // the login phone, kept only for the masked greeting
})

onTokenChange((token) => {
  session.token = token
  if (!token) {
    session.phone = ''
    write(PHONE_KEY, '')
  }
})

export const loggedIn = computed(() => Boolean(session.token))

export function logIn({ token, phone }) {
  setToken(token)
  session.phone = phone || ''
  write(PHONE_KEY, phone || '')
}

export function logOut() {
  clearToken()
}

const SANDBOX_KEY = 'od_sandbox'

/** The server answered a sandbox endpoint: demo helpers may be offered in this tab. */
export function markSandbox() {
  try {
    sessionStorage.setItem(SANDBOX_KEY, '1')
  } catch {
    // ignore
  }
}

export function isSandbox() {
  try {
    return sessionStorage.getItem(SANDBOX_KEY) === '1'
  } catch {
    return false
  }
}
