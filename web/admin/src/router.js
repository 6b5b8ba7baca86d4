// Routes of the console under /admin/ (HTML5 history; the server falls back to index.html).
import { createRouter, createWebHistory } from 'vue-router'
import { canSee } from './access.js'
import { session, pendingStep } from './session.js'

const page = (name, path, component, extra = {}) => ({ name, path, component, meta: { page: name, title: `nav.${name}`, ...extra } })

const routes = [
  { name: 'login', path: '/login', component: () => import('./pages/Login.vue'), meta: { public: true, title: 'login.title' } },
  {
    path: '/',
    component: () => import('./components/AppLayout.vue'),
    children: [
      page('home', '', () => import('./pages/Home.vue')),
      page('customers', 'customers', () => import('./pages/Customers.vue')),
      page('customer', 'customers/:id', () => import('./pages/CustomerDetail.vue'), { page: 'customers', parent: 'customers' }),
      page('receipts', 'receipts', () => import('./pages/Receipts.vue')),
      page('products', 'products', () => import('./pages/Products.vue')),
      page('rates', 'rates', () => import('./pages/Rates.vue')),
      page('reviews', 'reviews', () => import('./pages/Reviews.vue')),
      page('review', 'reviews/:id', () => import('./pages/ReviewDetail.vue'), { page: 'reviews', parent: 'reviews' }),
      page('esb', 'esb', () => import('./pages/EsbMessages.vue')),
      page('batches', 'batches', () => import('./pages/Batches.vue')),
      page('riskAlerts', 'risk/alerts', () => import('./pages/risk/Alerts.vue')),
      page('riskRules', 'risk/rules', () => import('./pages/risk/Rules.vue')),
      page('riskLists', 'risk/lists', () => import('./pages/risk/Lists.vue')),
      page('holds', 'risk/holds', () => import('./pages/risk/Holds.vue')),
      page('largeValue', 'risk/large-value', () => import('./pages/risk/LargeValue.vue')),
      page('analytics', 'analytics', () => import('./pages/Analytics.vue')),
      page('staff', 'staff', () => import('./pages/Staff.vue')),
      page('audit', 'audit', () => import('./pages/Audit.vue')),
      page('security', 'security', () => import('./pages/Security.vue')),
      { name: 'not-found', path: ':rest(.*)*', component: () => import('./pages/NotFound.vue'), meta: { title: 'nav.notFound' } },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || { top: 0 }
  },
})

/** Where a navigation must go instead, or true: the login rules in one pure function. */
export function guard(to, s = session, step = pendingStep.value) {
  if (to.meta.public) return true
  if (!s.token) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (step) return { name: 'login', query: { step } }
  if (to.meta.page && !canSee(to.meta.page, s.roles)) return { name: to.name === 'home' ? 'security' : 'home' }
  return true
}

router.beforeEach((to) => guard(to))

/** Where to send a staff member whose session ended (401): the login page, then back here. */
export function goToLogin() {
  const current = router.currentRoute.value
  if (current.name === 'login') return
  router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
}
