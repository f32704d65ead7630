// The running flash sale: its deals at the flash price with the units left.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { yuan, productCard, dateTime } = require('../../utils/format.js')

Page(themedPage({
  data: { sale: null, items: [], loaded: false },
  onShow() {
    api.get('/flash-sales/current').then(body => this.setData({
      sale: body.sale ? Object.assign({}, body.sale, { until: dateTime(body.sale.ends_at) }) : null,
      items: (body.items || []).map(item => Object.assign(productCard(item.product || {}), {
        price: yuan(item.price), was: yuan(item.original_price),
        limit: item.per_member_limit ? `每人限购 ${item.per_member_limit} 件` : '',
        badge: item.units_left > 0 ? `仅剩 ${item.units_left} 件` : '已抢光',
      })),
      loaded: true,
    })).catch(() => this.setData({ loaded: true }))
  },
}))
