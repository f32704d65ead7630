// Marketing blocks whose lists /home does not carry (it gives products and categories only):
// each loads its list from its campaign endpoint when it appears, or takes the list from the
// block itself when the API includes it under `key`. At most settings.count are shown, under
// the block's title or the H5 template's default one.
const { itemsOf } = require('../../utils/api.js')

// load() is the block's own literal api.get call (greppable for the contract test); these
// campaign endpoints take no paging parameters, the block shows the first settings.count.
module.exports = function campaignBehavior(key, load, defaultTitle) {
  return Behavior({
    data: { items: [], loaded: false, title: defaultTitle },
    observers: {
      block() {
        this.setData({ title: ((this.data.block || {}).settings || {}).title || defaultTitle })
      },
    },
    lifetimes: {
      attached() {
        this.loadItems()
      },
    },
    methods: {
      loadItems() {
        const block = this.data.block || {}
        const count = Number((block.settings || {}).count) || 4
        const source = Array.isArray(block[key])
          ? Promise.resolve(block)
          : load()
        return source
          .then(body => this.present(body[key] ? body[key] : itemsOf(body), body, count))
          .catch(() => this.present([], {}, count))
      },
      present(list, body, count) {
        this.setData({ items: list.slice(0, count).map(item => this.card(item, body)), loaded: true })
      },
    },
  })
}
