const block = require('../block-behavior.js')
const { productCard } = require('../../../utils/format.js')

Component({
  behaviors: [block],
  data: { title: '', columns: 2, products: [] },
  observers: {
    block() {
      const s = this.settings()
      const products = ((this.data.block && this.data.block.products) || []).map(productCard)
      this.setData({ title: s.title || '', columns: Math.min(4, Math.max(1, Number(s.columns) || 2)), products })
    },
  },
})
