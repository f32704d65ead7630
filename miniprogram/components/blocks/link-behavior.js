// A child link block (a header's nav_link, a footer's footer_link): a label and where it goes.
module.exports = Behavior({
  data: { label: '', link: '/' },
  observers: {
    block() {
      const s = this.settings()
      this.setData({ label: s.label || '', link: s.link || '/' })
    },
  },
})
