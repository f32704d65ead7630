// 我的: level, points and balance (GET /me/member), the daily sign-in, top-ups paid with
// wx.requestPayment, the points and balance ledgers, the ways to the rest of the store, and a
// notice when the privacy policy is to be agreed to again (GET /me/consents).
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { yuan, dateTime } = require('../../utils/format.js')
const { requestPayment } = require('../../utils/pay.js')

const ORDER_TABS = [
  { status: 'unpaid', label: '待付款' },
  { status: 'unshipped', label: '待发货' },
  { status: 'shipped', label: '待收货' },
  { status: 'done', label: '已完成' },
]
const MENU = [
  { label: '我的优惠券', url: '/pages/coupons/coupons?tab=mine' },
  { label: '领券中心', url: '/pages/coupons/coupons' },
  { label: '收货地址', url: '/pages/addresses/addresses' },
  { label: '售后服务', url: '/pages/aftersale/aftersale' },
  { label: '拼团', url: '/pages/group-buy/group-buy' },
  { label: '砍价', url: '/pages/bargain/bargain' },
  { label: '限时秒杀', url: '/pages/flash-sale/flash-sale' },
  { label: '分销中心', url: '/pages/distribution/distribution' },
  { label: '隐私与数据', url: '/pages/privacy/privacy' },
]
// A ledger entry (LedgerEntry): delta in points or fen as given, its reason in words.
const ledgerEntry = ledger => item => Object.assign({}, item, {
  change: ledger === 'points' ? `${item.delta > 0 ? '+' : ''}${item.delta}` : `${item.delta > 0 ? '+' : ''}${yuan(item.delta)}`,
  at: dateTime(item.created_at),
})

Page(themedPage({
  data: { me: null, member: null, balance: '', orderTabs: ORDER_TABS, menu: MENU, ledger: '', entries: [], entriesLoaded: false, entriesDone: false, consentRequired: false },
  onLoad(query) {
    this.openTopUp = query.topup === '1'
  },
  onShow() {
    this.load()
  },
  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh())
  },
  load() {
    // A newer privacy policy (or none agreed yet): a notice asks to read and agree again.
    api.get('/me/consents', undefined, { silent: true })
      .then(consents => this.setData({ consentRequired: consents.consent_required })).catch(() => {})
    return Promise.all([api.get('/me'), api.get('/me/member')]).then(([me, member]) => {
      this.setData({ me, member, balance: yuan(member.balance), nextLevel: member.next_level || null })
      if (this.openTopUp) {
        this.openTopUp = false
        this.onTopUp()
      }
    }).catch(() => {})
  },
  onSignIn() {
    api.post('/me/sign-in', {}).then(result => {
      wx.showToast({ title: `签到成功 +${result.points_awarded} 积分`, icon: 'none' })
      this.load()
    }).catch(() => {})
  },
  onTopUp() {
    api.get('/top-ups').then(body => {
      const plans = body.items || []
      if (!plans.length) {
        wx.showToast({ title: '暂无充值方案', icon: 'none' })
        return
      }
      const names = plans.map(plan => `充 ${yuan(plan.amount)}${plan.bonus ? ' 送 ' + yuan(plan.bonus) : ''}`)
      wx.showActionSheet({
        itemList: names.slice(0, 6),
        success: res => api.post('/top-ups', { plan_id: plans[res.tapIndex].id })
          // Paid in WeChat: ask the API, which asks WeChat Pay and credits the balance at once.
          .then(topUp => requestPayment(topUp.payment.params).then(() => api.get(`/top-ups/${topUp.top_up_no}`)))
          .then(status => {
            if (status.status === 'paid') this.setData({ balance: yuan(status.balance) })
            wx.showToast({ title: status.status === 'paid' ? '充值成功' : '充值处理中', icon: status.status === 'paid' ? 'success' : 'none' })
            this.load()
          }).catch(() => {}),
      })
    }).catch(() => {})
  },
  onLedger(event) {
    const ledger = event.currentTarget.dataset.ledger
    if (ledger === this.data.ledger) {
      this.setData({ ledger: '' })
      return
    }
    this.setData({ ledger, entries: [], entriesLoaded: false })
    this.list = ledger === 'points'
      ? paged(this, 'entries', '/me/points', {}, ledgerEntry(ledger))
      : paged(this, 'entries', '/me/balance', {}, ledgerEntry(ledger))
    this.list.reload()
  },
  onMoreEntries() {
    if (this.list) this.list.more()
  },
  onPrivacy() {
    wx.navigateTo({ url: '/pages/privacy/privacy' })
  },
  onOrders(event) {
    wx.navigateTo({ url: `/pages/orders/orders?status=${event.currentTarget.dataset.status || ''}` })
  },
  onMenu(event) {
    wx.navigateTo({ url: event.currentTarget.dataset.url })
  },
}))
