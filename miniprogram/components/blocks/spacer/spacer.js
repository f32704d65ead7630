const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { height: 16 },
  observers: {
    block() {
      const height = Number(this.settings().height) || 16
      this.setData({ height: Math.min(120, Math.max(4, height)) })
    },
  },
})
