const block = require('../block-behavior.js')
const campaign = require('../campaign-behavior.js')
const { api } = require('../../../utils/api.js')
const { couponText } = require('../../../utils/format.js')

function couponView(coupon) {
  return Object.assign({ id: coupon.id, claimed: Boolean(coupon.claimed) }, couponText(coupon))
}

Component({
  behaviors: [block, campaign('coupons', () => api.get('/coupons', undefined, { silent: true }), '优惠券')],
  methods: {
    card: couponView,
    onClaim(event) {
      const { id, index } = event.currentTarget.dataset
      return api.post(`/coupons/${id}/claim`).then(() => {
        wx.showToast({ title: '领取成功', icon: 'success' })
        this.setData({ [`items[${index}].claimed`]: true })
      }).catch(() => {})
    },
  },
})
