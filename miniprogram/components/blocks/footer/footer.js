const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { text: '', icp: '', showCopy: true, links: [] },
  observers: {
    block() {
      const s = this.settings()
      const links = ((this.data.block && this.data.block.blocks) || [])
        .filter(child => child.type === 'footer_link' && child.settings && child.settings.label)
      const text = s.text || ''
      this.setData({ text, icp: s.icp_number || '', showCopy: text.indexOf('©') < 0, links })
    },
  },
  methods: {
    onIcp() {
      wx.setClipboardData({ data: 'https://beian.miit.gov.cn/' })
    },
  },
})
