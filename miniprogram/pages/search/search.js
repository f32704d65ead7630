// Search and category listings: ?q= (GET /search), ?category_id= (GET /products), sort tabs,
// keyset pages as the shopper scrolls, 你是不是要找 when nothing matched.
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { productCard } = require('../../utils/format.js')
const { api } = require('../../utils/api.js')
const { track } = require('../../utils/track.js')

const SORTS = [
  { key: '', label: '综合' },
  { key: 'newest', label: '最新' },
  { key: 'sales', label: '销量' },
  { key: 'price_asc', label: '价格↑' },
  { key: 'price_desc', label: '价格↓' },
]

Page(themedPage({
  data: { q: '', categoryId: '', sort: '', sorts: SORTS, products: [], productsDone: false, productsLoaded: false, suggestions: [] },
  onLoad(query) {
    this.setData({ q: query.q ? decodeURIComponent(query.q) : '', categoryId: query.category_id || '' })
    if (this.data.q || this.data.categoryId) this.run()
  },
  run() {
    const { q, categoryId, sort } = this.data
    const params = sort ? { sort } : {}
    if (q) params.q = q
    if (categoryId) params.category_id = categoryId
    this.setData({ suggestions: [] })
    this.list = q && !categoryId
      ? paged(this, 'products', '/search', params, productCard)
      : paged(this, 'products', '/products', params, productCard)
    this.list.reload().then(() => {
      // A search (not a category listing): its words and what the first page found.
      if (q && !categoryId) track('search', { words: q.slice(0, 60), result_count: this.data.products.length })
      this.suggest()
    })
  },
  suggest() {
    if (!this.data.q || this.data.products.length) return
    api.get('/products', { q: this.data.q, limit: 1 }, { silent: true })
      .then(page => this.setData({ suggestions: (page && page.suggestions) || [] })).catch(() => {})
  },
  onInput(event) {
    this.setData({ q: event.detail.value })
  },
  onConfirm(event) {
    this.setData({ q: (event.detail.value || '').trim(), categoryId: '' })
    this.run()
  },
  onSort(event) {
    this.setData({ sort: event.currentTarget.dataset.key })
    this.run()
  },
  onSuggestion(event) {
    this.setData({ q: event.currentTarget.dataset.word, categoryId: '' })
    this.run()
  },
  onReachBottom() {
    if (this.list) this.list.more()
  },
}))
