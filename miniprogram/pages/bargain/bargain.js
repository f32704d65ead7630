// Bargains: the running ones; start one (?id=) into a bargain session; a session (?session=,
// the link friends get) where friends help cut and the owner buys at the price reached.
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, productCard } = require('../../utils/format.js')

const dealView = deal => Object.assign(productCard(deal.product || {}), {
  campaignId: deal.id, floor: yuan(deal.floor_price), price: yuan(deal.price),
})
const sessionView = session => Object.assign({}, session, {
  now: yuan(session.price_now),
  floor: yuan(session.floor_price),
  helpers: session.helpers.map(helper => Object.assign({}, helper, { cutText: yuan(helper.cut) })),
})

Page(themedPage({
  data: { deals: [], session: null, loaded: false },
  onLoad(query) {
    if (query.session) this.loadSession(query.session)
    else if (query.id) this.start(query.id)
    else {
      api.get('/bargains').then(body => this.setData({ deals: itemsOf(body).map(dealView), loaded: true }))
        .catch(() => this.setData({ loaded: true }))
    }
  },
  start(id) {
    api.post(`/bargains/${id}/start`).then(session => this.setData({ session: sessionView(session), loaded: true }))
      .catch(() => this.setData({ loaded: true }))
  },
  loadSession(id) {
    return api.get(`/bargain-sessions/${id}`).then(session => this.setData({ session: sessionView(session), loaded: true }))
      .catch(() => this.setData({ loaded: true }))
  },
  onDeal(event) {
    wx.navigateTo({ url: `/pages/bargain/bargain?id=${event.currentTarget.dataset.id}` })
  },
  onHelp() {
    const id = this.data.session.id
    api.post(`/bargain-sessions/${id}/help`).then(result => {
      wx.showToast({ title: `帮砍了 ${yuan(result.cut)}`, icon: 'none' })
      this.loadSession(id)
    }).catch(() => {})
  },
  onBuy() {
    api.post(`/bargain-sessions/${this.data.session.id}/buy`, {})
      .then(result => wx.navigateTo({ url: `/pages/pay/pay?no=${result.order_no}` })).catch(() => {})
  },
  onShareAppMessage() {
    const { session } = this.data
    if (!session) return { path: '/pages/bargain/bargain' }
    return { title: '帮我砍一刀吧', path: `/pages/bargain/bargain?session=${session.id}` }
  },
}))
