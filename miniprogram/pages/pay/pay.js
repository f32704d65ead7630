// The cashier: the order's amount and deadline, WeChat Pay (wx.requestPayment with the
// parameters the API made) or the member's balance.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, dateTime } = require('../../utils/format.js')
const { payOrder } = require('../../utils/pay.js')

Page(themedPage({
  data: { order: null, total: '', balance: '', canUseBalance: false, method: 'wechat', paying: false },
  onLoad(query) {
    this.no = query.no
    api.get(`/orders/${this.no}`).then(order => {
      const total = order.amounts ? order.amounts.total : 0
      this.setData({ order, total: yuan(total), deadline: dateTime(order.pay_deadline) })
      return api.get('/me/member', undefined, { silent: true }).then(member => {
        this.setData({ balance: yuan(member.balance), canUseBalance: member.balance >= total })
      })
    }).catch(() => {})
  },
  onMethod(event) {
    const method = event.currentTarget.dataset.method
    if (method === 'balance' && !this.data.canUseBalance) return
    this.setData({ method })
  },
  onPay() {
    if (this.data.paying) return
    this.setData({ paying: true })
    payOrder(this.no, this.data.method).then(() => {
      wx.showToast({ title: '支付成功', icon: 'success' })
      wx.redirectTo({ url: `/pages/order/order?no=${this.no}` })
    }).catch(error => {
      this.setData({ paying: false })
      if (error.cancelled) wx.showToast({ title: '已取消支付', icon: 'none' })
    })
  },
}))
