// What every block component shares: the block as /home gives it ({id, type, settings,
// blocks, products?, categories?}), the store (name, logo_url) and the store's origin for the
// uploads a block's settings name by path, and a tap handler that opens a merchant's link.
const links = require('../../utils/links.js')
const { storeConfig } = require('../../utils/config.js')

module.exports = Behavior({
  properties: {
    block: { type: Object, value: {} },
    store: { type: Object, value: {} },
  },
  methods: {
    settings() {
      return (this.data.block && this.data.block.settings) || {}
    },
    url(path) {
      return links.absolute(path, storeConfig().origin)
    },
    onLink(event) {
      links.open(event.currentTarget.dataset.link)
    },
    onProduct(event) {
      const id = event.currentTarget.dataset.id
      if (id) wx.navigateTo({ url: `/pages/product/product?id=${id}` })
    },
  },
})
