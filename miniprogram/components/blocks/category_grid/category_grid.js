const block = require('../block-behavior.js')

Component({
  behaviors: [block],
  data: { title: '', columns: 4, iconStyle: 'circle', categories: [] },
  observers: {
    block() {
      const s = this.settings()
      const count = Number(s.count) || 8
      const categories = ((this.data.block && this.data.block.categories) || []).slice(0, count)
        .map(category => ({ id: category.id, name: category.name, initial: (category.name || '').slice(0, 1) }))
      this.setData({
        title: s.title || '',
        columns: Math.min(5, Math.max(3, Number(s.columns) || 4)),
        iconStyle: ['circle', 'square', 'text'].includes(s.icon_style) ? s.icon_style : 'circle',
        categories,
      })
    },
  },
  methods: {
    onCategory(event) {
      wx.navigateTo({ url: `/pages/search/search?category_id=${event.currentTarget.dataset.id}` })
    },
  },
})
