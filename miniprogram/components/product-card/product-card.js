// One product as every block and list shows it: picture (or its first letter), title, price
// and, for a deal, the price it replaces. Prices arrive as text made by utils/format.js.
Component({
  properties: {
    product: { type: Object, value: {} }, // {id, title, initial, cover, price, was?, badge?, lead?, url?}
    size: { type: String, value: 'grid' }, // grid | small | large | row
    cta: { type: String, value: '' },
  },
  methods: {
    onTap() {
      const { id, url } = this.data.product
      if (url) wx.navigateTo({ url })
      else if (id) wx.navigateTo({ url: `/pages/product/product?id=${id}` })
    },
  },
})
