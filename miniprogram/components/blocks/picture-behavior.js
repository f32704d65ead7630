// A picture block (an image, a banner's slide): the upload's absolute address, its
// description and the link it opens.
module.exports = Behavior({
  data: { image: '', alt: '', link: '' },
  observers: {
    block() {
      const s = this.settings()
      this.setData({ image: this.url(s.image), alt: s.alt || '', link: s.link || '' })
    },
  },
})
