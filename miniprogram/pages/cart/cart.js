// The cart: lines as the API gives them (live stock, price-change and off-sale notes),
// quantities changed on the server, and the total of the chosen lines from the checkout
// quote (POST /checkout/preview, no coupon): each chosen line shows the quote's price for it
// (a campaign's rule_name when one applies) and the bar its subtotal; the client adds nothing up.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan } = require('../../utils/format.js')

function view(cart, selected) {
  const lines = (cart.lines || []).map(line => Object.assign({}, line, {
    price: yuan(line.unit_price),
    rule: '',
    checked: line.available && selected.has(line.id),
  }))
  return { lines, count: cart.count || 0 }
}

// The quote's line for each chosen cart line (by SKU): its price and the rule that set it.
function quoted(lines, quote) {
  const bySku = new Map(quote.lines.map(line => [line.sku_id, line]))
  return lines.map(line => {
    const found = line.checked && bySku.get(line.sku_id)
    if (!found) return line
    return Object.assign({}, line, { price: yuan(found.unit_price), rule: found.rule_name, lineTotal: yuan(found.line_total) })
  })
}

Page(themedPage({
  data: { lines: [], count: 0, loaded: false, total: '', problems: [], chosen: 0, allChecked: false },
  onShow() {
    this.load()
  },
  selected: null,
  load() {
    return api.get('/cart').then(cart => this.show(cart, true)).catch(() => this.setData({ loaded: true }))
  },
  show(cart, keepChoice) {
    const available = (cart.lines || []).filter(line => line.available).map(line => line.id)
    if (!this.selected || !keepChoice) this.selected = new Set(available)
    else this.selected = new Set(available.filter(id => this.selected.has(id) || !this.known.has(id)))
    this.known = new Set((cart.lines || []).map(line => line.id))
    const { lines, count } = view(cart, this.selected)
    this.setData({ lines, count, loaded: true, chosen: this.selected.size, allChecked: available.length > 0 && this.selected.size === available.length })
    this.quote()
    if (count) wx.setTabBarBadge({ index: 2, text: String(count), fail() {} })
    else wx.removeTabBarBadge({ index: 2, fail() {} })
  },
  quote() {
    const lineIds = Array.from(this.selected)
    if (!lineIds.length) {
      this.setData({ total: '', problems: [] })
      return
    }
    api.post('/checkout/preview', { line_ids: lineIds, coupon_id: 0 }, { silent: true })
      .then(quote => this.setData({ total: yuan(quote.subtotal), lines: quoted(this.data.lines, quote), problems: quote.problems }))
      .catch(() => this.setData({ total: '' }))
  },
  onCheck(event) {
    const id = event.currentTarget.dataset.id
    if (this.selected.has(id)) this.selected.delete(id)
    else this.selected.add(id)
    this.show({ lines: this.data.lines, count: this.data.count }, true)
  },
  onCheckAll() {
    const available = this.data.lines.filter(line => line.available).map(line => line.id)
    this.selected = new Set(this.data.allChecked ? [] : available)
    this.show({ lines: this.data.lines, count: this.data.count }, true)
  },
  onQuantity(event) {
    const { id, step } = event.currentTarget.dataset
    const line = this.data.lines.find(one => one.id === id)
    const quantity = line.quantity + Number(step)
    if (quantity < 1) return this.onRemove(event)
    return api.patch(`/cart/items/${id}`, { quantity }).then(cart => this.show(cart, true)).catch(() => {})
  },
  onRemove(event) {
    const id = event.currentTarget.dataset.id
    wx.showModal({
      content: '确定删除这件商品吗？',
      success: res => {
        if (res.confirm) api.del(`/cart/items/${id}`).then(cart => this.show(cart, true)).catch(() => {})
      },
    })
  },
  onProduct(event) {
    wx.navigateTo({ url: `/pages/product/product?id=${event.currentTarget.dataset.id}` })
  },
  onCheckout() {
    const ids = Array.from(this.selected)
    if (!ids.length) {
      wx.showToast({ title: '请选择商品', icon: 'none' })
      return
    }
    wx.navigateTo({ url: `/pages/checkout/checkout?line_ids=${ids.join(',')}` })
  },
  onShop() {
    wx.switchTab({ url: '/pages/home/home' })
  },
}))
