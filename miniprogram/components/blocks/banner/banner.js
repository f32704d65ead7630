const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { slides: [], height: 'medium', autoplay: true, interval: 4000 },
  observers: {
    block() {
      const s = this.settings()
      const slides = ((this.data.block && this.data.block.blocks) || []).filter(child => child.type === 'slide')
      this.setData({
        slides,
        height: s.height || 'medium',
        autoplay: s.autoplay !== false && slides.length > 1,
        interval: Math.max(2, Number(s.interval) || 4) * 1000,
      })
    },
  },
})
