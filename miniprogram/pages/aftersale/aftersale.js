// After-sales: with ?no= a request for that order (kind, reason, which lines, description);
// without, my requests and their status.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { yuan, dateTime } = require('../../utils/format.js')

const KINDS = [{ key: 'refund_only', label: '仅退款' }, { key: 'return_and_refund', label: '退货退款' }]
// AfterSaleRequest.reason's values, in the words the shopper picks from.
const REASONS = [
  { key: 'changed_mind', label: '不想要了' },
  { key: 'not_received', label: '没有收到货' },
  { key: 'damaged', label: '商品破损' },
  { key: 'wrong_item', label: '发错货' },
  { key: 'quality', label: '质量问题' },
  { key: 'other', label: '其他' },
]

Page(themedPage({
  data: { no: '', kinds: KINDS, kind: 'refund_only', reasons: REASONS.map(one => one.label), reason: 0, lines: [], description: '', aftersales: [], aftersalesLoaded: false, aftersalesDone: false },
  onLoad(query) {
    if (query.no) {
      this.setData({ no: query.no })
      api.get(`/orders/${query.no}`).then(order => this.setData({
        // What can still go back of each line: bought less already refunded, as the order says.
        lines: order.lines.filter(line => line.quantity > line.refunded_quantity).map(line => ({
          id: line.id, title: line.title, price: yuan(line.unit_price), quantity: line.quantity - line.refunded_quantity, checked: true,
        })),
      })).catch(() => {})
    } else {
      this.list = paged(this, 'aftersales', '/aftersales', {}, item => Object.assign({}, item, {
        created: dateTime(item.created_at), status_label: item.status_label, kind_label: item.kind_label, refund: yuan(item.amount),
      }))
      this.list.reload()
    }
  },
  onKind(event) {
    this.setData({ kind: event.currentTarget.dataset.key })
  },
  onReason(event) {
    this.setData({ reason: Number(event.detail.value) })
  },
  onLine(event) {
    const index = event.currentTarget.dataset.index
    this.setData({ [`lines[${index}].checked`]: !this.data.lines[index].checked })
  },
  onDescription(event) {
    this.setData({ description: event.detail.value })
  },
  onSubmit() {
    // No amount: the API asks back all that can still be refunded of the order. Only a
    // return names the lines going back (仅退款 keeps the goods).
    const body = { kind: this.data.kind, reason: REASONS[this.data.reason].key, description: this.data.description || null }
    if (this.data.kind === 'return_and_refund') {
      body.lines = this.data.lines.filter(line => line.checked).map(line => ({ line_id: line.id, quantity: line.quantity }))
      if (!body.lines.length) {
        wx.showToast({ title: '请选择退回的商品', icon: 'none' })
        return
      }
    }
    api.post(`/orders/${this.data.no}/aftersales`, body).then(() => {
      wx.showToast({ title: '已提交', icon: 'success' })
      wx.redirectTo({ url: '/pages/aftersale/aftersale' })
    }).catch(() => {})
  },
  onReachBottom() {
    if (this.list) this.list.more()
  },
}))
