// Group buys: the running ones; one campaign (?id=) with its open teams to join or a new team
// to start; a team (?team=, the link a shopper shares) to join. Starting or joining makes an
// order, paid at the cashier.
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, productCard } = require('../../utils/format.js')

const dealView = deal => Object.assign(productCard(deal.product || {}), {
  campaignId: deal.id, price: yuan(deal.group_price), was: yuan(deal.price), size: deal.size, skuId: deal.sku_id,
})

const TEAM_STATUS = { open: '拼团中', succeeded: '拼团成功', failed: '拼团失败' }

Page(themedPage({
  data: { deals: [], deal: null, teams: [], team: null, loaded: false },
  onLoad(query) {
    this.query = query
    this.load()
  },
  load() {
    const { id, team } = this.query
    if (team) {
      return api.get(`/teams/${team}`).then(found => {
        this.setData({ team: Object.assign({}, found, { label: TEAM_STATUS[found.status] || '拼团中' }), loaded: true })
        return this.loadDeal(found.group_buy_id)
      }).catch(() => this.setData({ loaded: true }))
    }
    if (id) return this.loadDeal(id)
    return api.get('/group-buys').then(body => this.setData({ deals: itemsOf(body).map(dealView), loaded: true }))
      .catch(() => this.setData({ loaded: true }))
  },
  loadDeal(id) {
    return api.get(`/group-buys/${id}`).then(deal => this.setData({
      deal: dealView(deal), teams: deal.open_teams, loaded: true,
    })).catch(() => this.setData({ loaded: true }))
  },
  onDeal(event) {
    wx.navigateTo({ url: `/pages/group-buy/group-buy?id=${event.currentTarget.dataset.id}` })
  },
  toPay(result) {
    wx.navigateTo({ url: `/pages/pay/pay?no=${result.order_no}` })
  },
  onStart() {
    const { deal } = this.data
    api.post(`/group-buys/${deal.campaignId}/teams`, { sku_id: deal.skuId }).then(result => this.toPay(result)).catch(() => {})
  },
  onJoin(event) {
    const teamId = event.currentTarget.dataset.id
    const skuId = this.data.deal.skuId
    api.post(`/teams/${teamId}/join`, { sku_id: skuId }).then(result => this.toPay(result)).catch(() => {})
  },
  onShareAppMessage() {
    const { team, deal } = this.data
    if (team) return { title: '快来和我一起拼团', path: `/pages/group-buy/group-buy?team=${team.id}` }
    return { title: deal ? deal.title : '拼团', path: deal ? `/pages/group-buy/group-buy?id=${deal.campaignId}` : '/pages/group-buy/group-buy' }
  },
}))
