// Another published page of the store (GET /pages/{slug}, the H5 store's /p/{slug}), drawn like the home page.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { shareMessage } = require('../../utils/share.js')

Page(themedPage({
  data: { blocks: [], loaded: false, slug: '' },
  onLoad(query) {
    this.setData({ slug: query.slug })
    this.load()
  },
  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh())
  },
  load() {
    return api.get(`/pages/${encodeURIComponent(this.data.slug)}`).then(page => {
      this.share = page.share
      this.setData({ blocks: page.blocks || [], loaded: true })
      if (page.page && page.page.title) wx.setNavigationBarTitle({ title: page.page.title })
    }).catch(() => this.setData({ loaded: true }))
  },
  onShareAppMessage() {
    return shareMessage(this.share, { path: `/pages/page/page?slug=${this.data.slug}` })
  },
}))
