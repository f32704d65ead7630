// The merchant's text, already cleaned by the server (nh3) on the way in and out.
const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { html: '' },
  observers: {
    block() {
      this.setData({ html: this.settings().html || '' })
    },
  },
})
