const block = require('../block-behavior.js')
const { colorStyle } = require('../colors.js')

Component({
  behaviors: [block],
  data: { lineStyle: 'solid', style: '' },
  observers: {
    block() {
      const s = this.settings()
      const lineStyle = s.style === 'dashed' ? 'dashed' : 'solid'
      this.setData({ lineStyle, style: colorStyle({ 'border-top-color': s.color || '#ebedf0' }) })
    },
  },
})
