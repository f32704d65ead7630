const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { text: '', link: '', speed: 'normal' },
  observers: {
    block() {
      const s = this.settings()
      this.setData({ text: s.text || '', link: s.link || '', speed: s.speed || 'normal' })
    },
  },
})
