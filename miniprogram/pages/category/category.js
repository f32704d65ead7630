// Categories down the left, the chosen one's products on the right (Youzan's 分类 tab).
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { productCard } = require('../../utils/format.js')

Page(themedPage({
  data: { categories: [], current: null, children: [], products: [], productsDone: false, productsLoaded: false },
  onLoad() {
    api.get('/categories').then(tree => {
      const categories = itemsOf(tree)
      this.setData({ categories })
      if (categories.length) this.choose(categories[0])
    }).catch(() => {})
  },
  choose(category) {
    this.setData({ current: category.id, children: category.children || [], products: [], productsLoaded: false })
    this.list = paged(this, 'products', '/products', { category_id: category.id }, productCard)
    this.list.reload()
  },
  onCategory(event) {
    const category = this.data.categories[event.currentTarget.dataset.index]
    if (category && category.id !== this.data.current) this.choose(category)
  },
  onChild(event) {
    wx.navigateTo({ url: `/pages/search/search?category_id=${event.currentTarget.dataset.id}` })
  },
  onSearch() {
    wx.navigateTo({ url: '/pages/search/search' })
  },
  onMore() {
    if (this.list) this.list.more()
  },
}))
