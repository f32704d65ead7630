const block = require('../block-behavior.js')
const { colorStyle } = require('../colors.js')

Component({
  behaviors: [block],
  data: { text: '', link: '', style: '', dismissible: true, closed: false },
  observers: {
    block() {
      const s = this.settings()
      this.setData({
        text: s.text || '',
        link: s.link || '',
        dismissible: s.dismissible !== false,
        style: colorStyle({ color: s.text_color, 'background-color': s.background_color }),
      })
    },
  },
  methods: {
    onClose() {
      this.setData({ closed: true })
    },
  },
})
