// Which staff roles see which page of the console. The server's permission matrix decides what
// each call may do (a refused call answers 403 ROLE_REQUIRED and the page says so); this table
// only keeps the menu to what a role can use. `admin` sees everything.
export const ROLES = ['operator', 'checker', 'risk', 'auditor', 'admin']
const STAFF = ['operator', 'checker', 'risk', 'auditor']

export const PAGE_ROLES = {
  home: STAFF,
  customers: STAFF,
  receipts: ['operator', 'checker', 'auditor'],
  products: STAFF,
  rates: STAFF,
  reviews: ['risk', 'checker'],
  esb: ['operator', 'auditor'],
  batches: STAFF,
  riskAlerts: ['risk', 'auditor'],
  riskRules: ['risk', 'auditor'],
  riskLists: ['risk'],
  holds: ['risk'],
  largeValue: ['risk', 'auditor'],
  analytics: STAFF,
  staff: [],
  audit: ['auditor'],
  security: STAFF,
}

// What each role may start from a page (the server checks again).
export const ACTION_ROLES = {
  reveal: ['operator', 'checker', 'risk'],
  accountStatus: ['operator', 'checker', 'risk'],
  releaseFreeze: ['checker'],
  closeAccount: ['operator', 'checker'],
  pinUnlock: ['operator', 'checker'],
  reissueReceipt: ['checker'],
  productDraft: ['operator'],
  productApprove: ['checker'],
  productSuspend: ['checker', 'risk'],
  rateDraft: ['risk'],
  rateApprove: ['checker'],
  review: ['risk', 'checker'],
  esbRetry: ['operator'],
  runEod: ['operator'],
  riskDecide: ['risk'],
  riskRuleEdit: ['risk'],
  holdDecide: ['risk'],
}

/** May someone with `roles` open page `page`? */
export function canSee(page, roles) {
  if (roles.includes('admin')) return true
  const allowed = PAGE_ROLES[page]
  return Boolean(allowed && allowed.some((r) => roles.includes(r)))
}

/** May someone with `roles` start `action`? */
export function canDo(action, roles) {
  if (roles.includes('admin')) return true
  const allowed = ACTION_ROLES[action]
  return Boolean(allowed && allowed.some((r) => roles.includes(r)))
}

/** The menu: groups of pages, each shown when the role may see at least one page in it. */
export const MENU = [
  { key: 'overview', icon: 'Odometer', items: [{ page: 'home', path: '/' }, { page: 'analytics', path: '/analytics' }] },
  { key: 'customers', icon: 'User', items: [{ page: 'customers', path: '/customers' }, { page: 'receipts', path: '/receipts' }] },
  { key: 'products', icon: 'Goods', items: [{ page: 'products', path: '/products' }, { page: 'rates', path: '/rates' }] },
  {
    key: 'operations',
    icon: 'Operation',
    items: [
      { page: 'reviews', path: '/reviews' },
      { page: 'esb', path: '/esb' },
      { page: 'batches', path: '/batches' },
    ],
  },
  {
    key: 'risk',
    icon: 'Warning',
    items: [
      { page: 'riskAlerts', path: '/risk/alerts' },
      { page: 'riskRules', path: '/risk/rules' },
      { page: 'riskLists', path: '/risk/lists' },
      { page: 'holds', path: '/risk/holds' },
      { page: 'largeValue', path: '/risk/large-value' },
    ],
  },
  { key: 'system', icon: 'Setting', items: [{ page: 'staff', path: '/staff' }, { page: 'audit', path: '/audit' }] },
]

/** The menu as a given role sees it. */
export function menuFor(roles) {
  return MENU.map((g) => ({ ...g, items: g.items.filter((i) => canSee(i.page, roles)) })).filter((g) => g.items.length)
}
