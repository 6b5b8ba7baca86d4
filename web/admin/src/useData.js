// Loading state for pages: one loader → {data, loading, error, missing}; `missing` is set when the
// route is not on this server (a 404 without an error of the application's own), so a page built
// ahead of its server side says "not available" instead of failing. A later call wins over an
// earlier one still in flight.
import { reactive } from 'vue'
import { isMissingRoute } from './client.js'

export function useLoad(loader, { immediate = true, initial = null } = {}) {
  const state = reactive({ data: initial, loading: false, error: null, missing: false, loaded: false })
  let seq = 0
  async function load(...args) {
    const mine = ++seq
    state.loading = true
    state.error = null
    try {
      const data = await loader(...args)
      if (mine === seq) Object.assign(state, { data, missing: false, loaded: true })
      return data
    } catch (err) {
      if (mine === seq) {
        if (isMissingRoute(err)) state.missing = true
        else state.error = err
      }
      return undefined
    } finally {
      if (mine === seq) state.loading = false
    }
  }
  if (immediate) load()
  return { state, load }
}

/**
 * A list read a page at a time with a server cursor (`next_cursor` or `next_before`), with
 * previous/next over the cursors seen so far. `fetchPage({cursor, limit})` → the API's answer.
 */
export function useCursorPages(fetchPage, { limit = 20, itemsKey = 'items' } = {}) {
  const state = reactive({ items: [], page: 1, hasNext: false, loading: false, error: null, missing: false, limit, loaded: false, raw: null })
  let cursors = [null]
  let seq = 0
  async function go(page) {
    const mine = ++seq
    state.loading = true
    state.error = null
    try {
      const data = await fetchPage({ cursor: cursors[page - 1], limit: state.limit })
      if (mine !== seq) return
      const items = Array.isArray(data) ? data : (data && data[itemsKey]) || []
      const next = data && !Array.isArray(data) ? (data.next_cursor ?? data.next_before ?? null) : null
      cursors = cursors.slice(0, page)
      cursors[page] = next
      Object.assign(state, { items, page, hasNext: next !== null && next !== undefined, missing: false, loaded: true, raw: data })
    } catch (err) {
      if (mine !== seq) return
      if (isMissingRoute(err)) state.missing = true
      else state.error = err
    } finally {
      if (mine === seq) state.loading = false
    }
  }
  return {
    state,
    reload: () => go(state.page),
    reset: () => {
      cursors = [null]
      return go(1)
    },
    next: () => (state.hasNext ? go(state.page + 1) : undefined),
    prev: () => (state.page > 1 ? go(state.page - 1) : undefined),
    setLimit: (n) => {
      state.limit = n
      cursors = [null]
      return go(1)
    },
  }
}

/** Client-side paging of a list the server returns whole. */
export function pageOf(items, page, size) {
  const list = Array.isArray(items) ? items : []
  return list.slice((page - 1) * size, page * size)
}
