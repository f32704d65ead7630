const block = require('../block-behavior.js')

const SEPARATORS = /[,，、]/

Component({
  behaviors: [block],
  data: { placeholder: '搜索商品', keywords: [] },
  observers: {
    block() {
      const s = this.settings()
      const keywords = String(s.hot_keywords || '').split(SEPARATORS).map(word => word.trim()).filter(Boolean)
      this.setData({ placeholder: s.placeholder || '搜索商品', keywords })
    },
  },
  methods: {
    search(q) {
      const words = (q || '').trim()
      wx.navigateTo({ url: `/pages/search/search${words ? '?q=' + encodeURIComponent(words) : ''}` })
    },
    onConfirm(event) {
      this.search(event.detail.value)
    },
    onKeyword(event) {
      this.search(event.currentTarget.dataset.word)
    },
  },
})
