const block = require('../block-behavior.js')
const campaign = require('../campaign-behavior.js')
const { api } = require('../../../utils/api.js')
const { productCard, yuan } = require('../../../utils/format.js')

Component({
  behaviors: [block, campaign('bargains', () => api.get('/bargains', undefined, { silent: true }), '砍价')],
  methods: {
    card(deal) {
      const product = deal.product || {}
      return Object.assign(productCard(product), {
        campaignId: deal.id,
        url: `/pages/bargain/bargain?id=${deal.id}`,
        lead: '最低砍至',
        price: yuan(deal.floor_price),
        was: yuan(deal.price),
      })
    },
  },
})
