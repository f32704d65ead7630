const block = require('../block-behavior.js')
const campaign = require('../campaign-behavior.js')
const { api } = require('../../../utils/api.js')
const { productCard, yuan } = require('../../../utils/format.js')

const pad = n => String(n).padStart(2, '0')

// Seconds left → {hours, minutes, seconds} as two digits each (hours may run past 99).
function remaining(endsAt, now) {
  const left = Math.max(0, Math.floor((Date.parse(endsAt) - now) / 1000))
  return { left, hours: pad(Math.floor(left / 3600)), minutes: pad(Math.floor(left / 60) % 60), seconds: pad(left % 60) }
}

Component({
  behaviors: [block, campaign('flash_sales', () => api.get('/flash-sales/current', undefined, { silent: true }), '限时秒杀')],
  data: { endsAt: '', clock: null, ended: false },
  lifetimes: {
    detached() {
      clearInterval(this.timer)
    },
  },
  methods: {
    card(deal) {
      const product = deal.product || {}
      return Object.assign(productCard(product), {
        id: product.id,
        price: yuan(deal.price),
        was: deal.original_price !== deal.price ? yuan(deal.original_price) : '',
        badge: deal.units_left !== undefined ? `仅剩 ${deal.units_left} 件` : '',
      })
    },
    present(list, body, count) {
      const first = list[0] || {}
      const endsAt = this.settings().ends_at || first.ends_at || ((body && body.sale) || {}).ends_at || ''
      this.setData({ items: list.slice(0, count).map(item => this.card(item)), loaded: true, endsAt })
      this.tick()
      clearInterval(this.timer)
      if (endsAt) this.timer = setInterval(() => this.tick(), 1000)
    },
    tick() {
      if (!this.data.endsAt) return
      const clock = remaining(this.data.endsAt, Date.now())
      this.setData({ clock, ended: clock.left === 0 })
      if (clock.left === 0) clearInterval(this.timer)
    },
  },
})
