const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { logo: '', showName: true, sticky: false, links: [] },
  observers: {
    'block, store'() {
      const s = this.settings()
      const logo = this.url(s.logo) || ((this.data.store && this.data.store.logo_url) || '')
      const links = ((this.data.block && this.data.block.blocks) || [])
        .filter(child => child.type === 'nav_link' && child.settings && child.settings.label)
      this.setData({ logo, showName: s.show_store_name !== false || !logo, sticky: Boolean(s.sticky), links })
    },
  },
  methods: {
    onHome() {
      wx.switchTab({ url: '/pages/home/home' })
    },
  },
})
