// The store's member card; a signed-in shopper also sees their points and balance
// (GET /me/member), as the H5 card fills itself from /me/card.json.
const block = require('../block-behavior.js')
const { api, getToken } = require('../../../utils/api.js')
const { yuan } = require('../../../utils/format.js')

Component({
  behaviors: [block],
  data: { title: '会员卡', benefits: '', link: '', status: '' },
  observers: {
    block() {
      const s = this.settings()
      this.setData({ title: s.title || '会员卡', benefits: s.benefits || '', link: s.link || '' })
    },
  },
  lifetimes: {
    attached() {
      if (!getToken()) return
      api.get('/me/member', undefined, { silent: true }).then(member => {
        const level = member.level && member.level.name ? `${member.level.name} · ` : ''
        this.setData({ status: `${level}${member.points} 积分 · 余额 ${yuan(member.balance)}` })
      }).catch(() => {})
    },
  },
  methods: {
    onCenter() {
      wx.switchTab({ url: '/pages/member/member' })
    },
  },
})
