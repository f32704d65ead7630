// 领券中心 (claimable coupons, claim one) and 我的优惠券 by status.
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { couponText, dateTime } = require('../../utils/format.js')

const TABS = [
  { key: 'center', label: '领券中心' },
  { key: 'usable', label: '可使用' },
  { key: 'used', label: '已使用' },
  { key: 'expired', label: '已过期' },
]

// A CouponOffer (claimable) or a MyCoupon (held: valid_until says until when).
function couponView(coupon) {
  return Object.assign({}, coupon, couponText(coupon), { until: dateTime(coupon.valid_until) })
}

Page(themedPage({
  data: { tabs: TABS, tab: 'center', coupons: [], loaded: false },
  onLoad(query) {
    this.setData({ tab: query.tab === 'mine' ? 'usable' : 'center' })
  },
  onShow() {
    this.load()
  },
  load() {
    const { tab } = this.data
    const loading = tab === 'center' ? api.get('/coupons') : api.get('/me/coupons', { status: tab })
    this.setData({ loaded: false })
    return loading.then(body => this.setData({ coupons: itemsOf(body).map(couponView), loaded: true }))
      .catch(() => this.setData({ loaded: true }))
  },
  onTab(event) {
    this.setData({ tab: event.currentTarget.dataset.key, coupons: [] })
    this.load()
  },
  onClaim(event) {
    const { id, index } = event.currentTarget.dataset
    api.post(`/coupons/${id}/claim`).then(() => {
      wx.showToast({ title: '领取成功', icon: 'success' })
      this.setData({ [`coupons[${index}].claimed`]: true })
    }).catch(() => {})
  },
  onUse() {
    wx.switchTab({ url: '/pages/home/home' })
  },
}))
