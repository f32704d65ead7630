// My orders, by status tab, a keyset page at a time.
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { yuan } = require('../../utils/format.js')

const TABS = [
  { key: '', label: '全部' },
  { key: 'unpaid', label: '待付款' },
  { key: 'unshipped', label: '待发货' },
  { key: 'shipped', label: '待收货' },
  { key: 'done', label: '已完成' },
  { key: 'closed', label: '已关闭' },
]

function summary(order) {
  const lines = order.lines || []
  return Object.assign({}, order, {
    total: yuan(order.total),
    images: lines.slice(0, 4).map(line => line.image_url),
    title: lines.length === 1 ? lines[0].title : '',
  })
}

Page(themedPage({
  data: { tabs: TABS, status: '', orders: [], ordersDone: false, ordersLoaded: false },
  onLoad(query) {
    this.setData({ status: query.status || '' })
  },
  onShow() {
    this.load()
  },
  load() {
    const params = this.data.status ? { status: this.data.status } : {}
    this.list = paged(this, 'orders', '/orders', params, summary)
    this.list.reload()
  },
  onTab(event) {
    this.setData({ status: event.currentTarget.dataset.key, orders: [], ordersLoaded: false })
    this.load()
  },
  onOrder(event) {
    wx.navigateTo({ url: `/pages/order/order?no=${event.currentTarget.dataset.no}` })
  },
  onReachBottom() {
    this.list.more()
  },
}))
