// The store's published home page, block by block; pull down to fetch it again.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { track } = require('../../utils/track.js')
const { shareMessage } = require('../../utils/share.js')

Page(themedPage({
  data: { blocks: [], loaded: false },
  onLoad() {
    this.load()
    track('page_view', { page: 'home' })
  },
  onPullDownRefresh() {
    getApp().refreshStore()
    this.load().then(() => wx.stopPullDownRefresh())
  },
  load() {
    return api.get('/home').then(home => {
      this.share = home.share
      this.setData({ blocks: home.blocks || [], loaded: true })
      const title = (this.data.store && this.data.store.name) || (home.page && home.page.title)
      if (title) wx.setNavigationBarTitle({ title })
    }).catch(() => this.setData({ loaded: true }))
  },
  onShareAppMessage() {
    track('share', { page: 'home' })
    return shareMessage(this.share, { title: (this.data.store && this.data.store.name) || '', path: '/pages/home/home' })
  },
}))
