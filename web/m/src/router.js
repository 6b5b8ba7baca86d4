// Routes of the H5 app under /m/ (HTML5 history; the server falls back to index.html).
import { createRouter, createWebHistory } from 'vue-router'
import { getToken } from '@shared/api.js'
import { track } from '@shared/tracker.js'
import Home from './pages/Home.vue'

const routes = [
  { path: '/', name: 'home', component: Home, meta: { tab: 'home' } },
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { title: 'login.title' } },
  { path: '/account', name: 'account', component: () => import('./pages/Account.vue'), meta: { tab: 'account', auth: true, title: 'account.title' } },
  { path: '/open', name: 'open', component: () => import('./pages/OpenAccount.vue'), meta: { auth: true, title: 'open.title' } },
  { path: '/account/top-up', name: 'top-up', component: () => import('./pages/MoveMoney.vue'), props: { kind: 'top_up' }, meta: { auth: true, title: 'move.top_up.title' } },
  { path: '/account/withdraw', name: 'withdraw', component: () => import('./pages/MoveMoney.vue'), props: { kind: 'withdraw' }, meta: { auth: true, title: 'move.withdraw.title' } },
  { path: '/account/transactions', name: 'transactions', component: () => import('./pages/Transactions.vue'), meta: { auth: true, title: 'statement.title' } },
  { path: '/products/:code', name: 'product', component: () => import('./pages/ProductDetail.vue'), props: true, meta: { title: 'product.title' } },
  { path: '/products/:code/buy', name: 'buy', component: () => import('./pages/Buy.vue'), props: true, meta: { auth: true, title: 'buy.title' } },
  { path: '/deposits', name: 'deposits', component: () => import('./pages/Deposits.vue'), meta: { tab: 'deposits', auth: true, title: 'deposits.title' } },
  { path: '/deposits/:id', name: 'deposit', component: () => import('./pages/DepositDetail.vue'), props: true, meta: { auth: true, title: 'deposit.title' } },
  { path: '/receipts', name: 'receipts', component: () => import('./pages/Receipts.vue'), meta: { auth: true, title: 'receipts.title' } },
  { path: '/receipts/:no', name: 'receipt', component: () => import('./pages/ReceiptDetail.vue'), props: true, meta: { auth: true, title: 'receipt.title' } },
  { path: '/verify', name: 'verify', component: () => import('./pages/Verify.vue'), meta: { title: 'verify.title' } },
  { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { tab: 'me', title: 'me.title' } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFound.vue'), meta: { title: 'notFound.title' } },
]

export const router = createRouter({
  history: createWebHistory('/m/'),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || { top: 0 }
  },
})

router.beforeEach((to) => {
  if (to.meta.auth && !getToken()) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  return true
})

router.afterEach((to, from, failure) => {
  if (!failure) track('page_view', { path: to.path, name: to.name || null })
})

/** Where to send a customer whose session ended (401): the login page, then back here. */
export function goToLogin() {
  const current = router.currentRoute.value
  if (current.name === 'login') return
  router.replace({ name: 'login', query: { redirect: current.fullPath } })
}
