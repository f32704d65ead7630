const block = require('../block-behavior.js')
const { productCard } = require('../../../utils/format.js')

Component({
  behaviors: [block],
  data: { title: '', cardSize: 'small', products: [] },
  observers: {
    block() {
      const s = this.settings()
      const products = ((this.data.block && this.data.block.products) || []).map(productCard)
      this.setData({ title: s.title || '', cardSize: s.card_size === 'large' ? 'large' : 'small', products })
    },
  },
})
