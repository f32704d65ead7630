// My addresses; with ?select=1 (from checkout) tapping one hands it back to the opener.
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')

Page(themedPage({
  data: { addresses: [], loaded: false, selecting: false },
  onLoad(query) {
    this.setData({ selecting: query.select === '1' })
  },
  onShow() {
    api.get('/addresses').then(book => this.show(book)).catch(() => this.setData({ loaded: true }))
  },
  show(book) {
    this.setData({ addresses: itemsOf(book), loaded: true })
  },
  // POST /addresses/{id}/default answers the whole book, the default first.
  onDefault(event) {
    api.post(`/addresses/${event.currentTarget.dataset.id}/default`).then(book => this.show(book)).catch(() => {})
  },
  onPick(event) {
    if (!this.data.selecting) return
    const address = this.data.addresses[event.currentTarget.dataset.index]
    this.getOpenerEventChannel().emit('selected', address)
    wx.navigateBack()
  },
  onEdit(event) {
    wx.navigateTo({ url: `/pages/address-edit/address-edit?id=${event.currentTarget.dataset.id}` })
  },
  onAdd() {
    wx.navigateTo({ url: '/pages/address-edit/address-edit' })
  },
}))
