const block = require('../block-behavior.js')
const campaign = require('../campaign-behavior.js')
const { api } = require('../../../utils/api.js')
const { productCard, yuan } = require('../../../utils/format.js')

Component({
  behaviors: [block, campaign('group_buys', () => api.get('/group-buys', undefined, { silent: true }), '拼团')],
  methods: {
    card(deal) {
      const product = deal.product || {}
      return Object.assign(productCard(product), {
        campaignId: deal.id,
        url: `/pages/group-buy/group-buy?id=${deal.id}`,
        badge: `${deal.size} 人团`,
        price: yuan(deal.group_price),
        was: yuan(deal.price),
      })
    },
  },
})
