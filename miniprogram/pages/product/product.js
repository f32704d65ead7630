// A product: pictures, price, the spec chooser, add to cart or buy now.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { track } = require('../../utils/track.js')
const { shareMessage } = require('../../utils/share.js')
const { yuan } = require('../../utils/format.js')
const { chooser, initialChoice } = require('../../utils/sku.js')

Page(themedPage({
  data: { product: null, images: [], chosen: [], rows: [], sku: null, quantity: 1, sheet: '', price: '', marketPrice: '' },
  onLoad(query) {
    this.id = query.id
    api.get(`/products/${query.id}`).then(product => {
      const { chosen, sku } = initialChoice(product)
      this.setData({ product, images: product.images || [], chosen })
      this.choose(chosen, sku)
      wx.setNavigationBarTitle({ title: product.title })
      track('product_view', { product_id: product.id })
    }).catch(() => {})
  },
  choose(chosen, given) {
    const { product } = this.data
    const { rows, sku } = chooser(product.specs, product.skus, chosen)
    const picked = given || sku
    this.setData({
      chosen,
      rows,
      sku: picked,
      price: yuan(picked ? picked.price : product.price),
      marketPrice: picked && picked.market_price > picked.price ? yuan(picked.market_price) : '',
      quantity: Math.max(1, Math.min(this.data.quantity, picked ? picked.stock : 1)),
    })
  },
  onValue(event) {
    const { row, value, off } = event.currentTarget.dataset
    if (off) return
    const chosen = this.data.chosen.slice()
    chosen[row] = chosen[row] === value ? '' : value
    this.choose(chosen)
  },
  onQuantity(event) {
    const step = Number(event.currentTarget.dataset.step)
    const max = this.data.sku ? this.data.sku.stock : 1
    this.setData({ quantity: Math.max(1, Math.min(max, this.data.quantity + step)) })
  },
  onOpen(event) {
    this.setData({ sheet: event.currentTarget.dataset.action })
  },
  onClose() {
    this.setData({ sheet: '' })
  },
  onPreview(event) {
    wx.previewImage({ current: event.currentTarget.dataset.url, urls: this.data.images.map(image => image.url) })
  },
  onConfirm() {
    const { sku, quantity, sheet } = this.data
    if (!sku) {
      wx.showToast({ title: '请选择规格', icon: 'none' })
      return
    }
    if (sheet === 'buy') {
      const items = encodeURIComponent(JSON.stringify([{ sku_id: sku.id, quantity }]))
      this.setData({ sheet: '' })
      wx.navigateTo({ url: `/pages/checkout/checkout?items=${items}` })
      return
    }
    api.post('/cart/items', { sku_id: sku.id, quantity }).then(() => {
      this.setData({ sheet: '' })
      wx.showToast({ title: '已加入购物车', icon: 'success' })
    }).catch(() => {})
  },
  onCart() {
    wx.switchTab({ url: '/pages/cart/cart' })
  },
  onHome() {
    wx.switchTab({ url: '/pages/home/home' })
  },
  onShareAppMessage() {
    const { product } = this.data
    const fallback = { title: product ? product.title : '', path: `/pages/product/product?id=${this.id}` }
    return shareMessage(product && product.share, fallback)
  },
}))
