const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { src: '', poster: '', autoplay: false },
  observers: {
    block() {
      const s = this.settings()
      this.setData({ src: this.url(s.url), poster: this.url(s.poster), autoplay: Boolean(s.autoplay_muted) })
    },
  },
})
