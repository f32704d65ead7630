// An order: status, address, lines and amounts as the API gives them, parcels with their
// tracking, and the actions the API allows (cancel, pay, confirm receipt, after-sale).
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, deduction, dateTime } = require('../../utils/format.js')

// The order's amounts (Amounts) as placed: goods, then each discount, then these rows.
const AMOUNT_LABELS = [['shipping_fee', '运费'], ['total', '订单总额'], ['paid', '实付款'], ['refunded', '已退款']]
const PAID_WITH = { wechat: '微信支付', balance: '余额支付' }

function orderView(order) {
  const amounts = order.amounts || {}
  return Object.assign({}, order, {
    lines: (order.lines || []).map(line => Object.assign({}, line, { price: yuan(line.unit_price) })),
    goods: yuan(amounts.goods),
    discounts: (amounts.discounts || []).map(d => ({ kind: d.kind, label: d.label, value: deduction(d.amount) })),
    rows: AMOUNT_LABELS.filter(([key]) => amounts[key] !== null && amounts[key] !== undefined && (amounts[key] || key === 'total'))
      .map(([key, label]) => ({ label, value: yuan(amounts[key]) })),
    paidWith: PAID_WITH[order.paid_with] || '',
    created: dateTime(order.created_at),
    paid: dateTime(order.paid_at),
    payBy: order.status === 'unpaid' && order.pay_deadline ? dateTime(order.pay_deadline) : '',
    can: (order.actions || []).reduce((all, action) => Object.assign(all, { [action]: true }), {}),
  })
}

Page(themedPage({
  data: { order: null, parcels: [] },
  onLoad(query) {
    this.no = query.no
  },
  onShow() {
    this.load()
  },
  load() {
    return api.get(`/orders/${this.no}`).then(order => {
      this.setData({ order: orderView(order) })
      if ((order.parcels || []).length) {
        api.get(`/orders/${this.no}/tracks`, undefined, { silent: true })
          .then(tracks => this.setData({ parcels: tracks.parcels }))
          .catch(() => {})
      }
    }).catch(() => {})
  },
  confirm(content, action) {
    wx.showModal({ content, success: res => res.confirm && action() })
  },
  onCancel() {
    this.confirm('确定取消这个订单吗？', () => api.post(`/orders/${this.no}/cancel`).then(() => this.load()).catch(() => {}))
  },
  onReceipt() {
    this.confirm('确认已经收到货了吗？', () => api.post(`/orders/${this.no}/receipt`).then(() => this.load()).catch(() => {}))
  },
  onPay() {
    wx.navigateTo({ url: `/pages/pay/pay?no=${this.no}` })
  },
  onService() {
    wx.navigateTo({ url: `/pages/support/support?no=${this.no}` })
  },
  onAftersale() {
    wx.navigateTo({ url: `/pages/aftersale/aftersale?no=${this.no}` })
  },
  onCopy() {
    wx.setClipboardData({ data: this.no })
  },
}))
