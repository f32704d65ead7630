// Keyset pages ({items, next_cursor}) appended into one list of a page's data as the shopper
// scrolls: paged(page, 'orders', '/orders', {status}) then page.more() on reach-bottom.
const { api, itemsOf } = require('./api.js')

function paged(page, key, path, params = {}, map = item => item) {
  const state = { cursor: null, done: false, loading: false }
  const load = reset => {
    if (state.loading || (state.done && !reset)) return Promise.resolve()
    if (reset) Object.assign(state, { cursor: null, done: false })
    state.loading = true
    const query = Object.assign({ limit: 20 }, params, state.cursor ? { cursor: state.cursor } : {})
    return api.get(path, query).then(body => {
      const items = itemsOf(body).map(map)
      state.cursor = (body && body.next_cursor) || null
      state.done = !state.cursor
      page.setData({ [key]: reset ? items : page.data[key].concat(items), [`${key}Done`]: state.done, [`${key}Loaded`]: true })
    }).catch(() => page.setData({ [`${key}Loaded`]: true })).finally(() => {
      state.loading = false
    })
  }
  return { reload: () => load(true), more: () => load(false) }
}

module.exports = { paged }
