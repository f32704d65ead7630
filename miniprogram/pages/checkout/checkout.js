// Checkout: the price quote exactly as POST /checkout/preview gives it (the same lines the H5
// checkout shows for the same cart), the address, coupon and points chosen here, then
// POST /orders with a request_id made once per visit so a retried tap answers the same order.
// The client adds nothing up: every amount shown is one of the quote's.
const { api, requestId } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, deduction } = require('../../utils/format.js')

function quoteView(quote) {
  return {
    lines: quote.lines.map(line => Object.assign({}, line, {
      price: yuan(line.unit_price),
      was: line.regular_price !== line.unit_price ? yuan(line.regular_price) : '',
      total: yuan(line.line_total),
    })),
    goods: yuan(quote.goods),
    discounts: quote.discounts.map(discount => ({ kind: discount.kind, label: discount.label, amount: deduction(discount.amount) })),
    shipping: quote.shipping_fee === null ? '选择地址后计算' : (quote.shipping_fee ? yuan(quote.shipping_fee) : '免运费'),
    total: yuan(quote.total),
    couponText: quote.coupons.length ? quote.coupons.map(coupon => coupon.title).join('、') : '',
    coupons: quote.usable_coupons.map(coupon => Object.assign({}, coupon, { off: yuan(coupon.discount) })),
    pointsOffer: quote.points_offer,
    address: quote.address,
    problems: quote.problems,
  }
}

// ?line_ids=1,2 (chosen cart lines), ?items=[{sku_id, quantity}] (立即购买) or neither (the cart).
function basisOf(query) {
  if (query.items) return { items: JSON.parse(decodeURIComponent(query.items)) }
  const lineIds = String(query.line_ids || '').split(',').filter(Boolean).map(Number)
  return lineIds.length ? { line_ids: lineIds } : {}
}

Page(themedPage({
  data: { quote: null, remark: '', points: false, submitting: false },
  onLoad(query) {
    this.basis = basisOf(query)
    this.addressId = null
    this.couponId = null // null: the best coupons automatically; 0: none
    this.requestId = requestId()
    this.preview()
  },
  body() {
    const body = Object.assign({}, this.basis, { coupon_id: this.couponId, points: this.data.points })
    if (this.addressId) body.address_id = this.addressId
    return body
  },
  preview() {
    return api.post('/checkout/preview', this.body()).then(quote => {
      if (quote.address && !this.addressId) this.addressId = quote.address.id
      this.setData({ quote: quoteView(quote) })
    }).catch(() => {})
  },
  onAddress() {
    wx.navigateTo({
      url: '/pages/addresses/addresses?select=1',
      events: {
        selected: address => {
          this.addressId = address.id
          this.preview()
        },
      },
    })
  },
  onCoupon() {
    const coupons = this.data.quote.coupons
    const names = ['不使用优惠券'].concat(coupons.map(coupon => `${coupon.title} -${coupon.off}`))
    wx.showActionSheet({
      itemList: names.slice(0, 6),
      success: res => {
        this.couponId = res.tapIndex === 0 ? 0 : coupons[res.tapIndex - 1].id
        this.preview()
      },
    })
  },
  onPoints(event) {
    this.setData({ points: Boolean(event.detail.value) })
    this.preview()
  },
  onRemark(event) {
    this.setData({ remark: event.detail.value })
  },
  onSubmit() {
    if (!this.addressId) {
      wx.showToast({ title: '请选择收货地址', icon: 'none' })
      return
    }
    if (this.data.submitting || this.data.quote.problems.length) return
    this.setData({ submitting: true })
    const body = Object.assign(this.body(), { request_id: this.requestId })
    if (this.data.remark) body.remark = this.data.remark
    api.post('/orders', body).then(order => {
      wx.redirectTo({ url: `/pages/pay/pay?no=${order.order_no}` })
    }).catch(error => {
      this.setData({ submitting: false })
      if (error.status === 409 || error.status === 422) this.preview()
    })
  },
}))
