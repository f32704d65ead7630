// Distribution: apply to become the store's distributor; once one, my share code, my team and
// my commissions; and the invite link every member has.
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { paged } = require('../../utils/paged.js')
const { yuan, dateTime } = require('../../utils/format.js')

const TABS = [{ key: 'commissions', label: '我的佣金' }, { key: 'team', label: '我的团队' }]

Page(themedPage({
  data: { me: null, loaded: false, applying: false, share: null, invites: null, tabs: TABS, tab: 'commissions', rows: [], rowsLoaded: false, rowsDone: false },
  onShow() {
    api.get('/distribution/me', undefined, { silent: true }).then(me => {
      const earnings = me.earnings || {}
      this.setData({ me: Object.assign({}, me, { earned: yuan(earnings.settled), pending: yuan(earnings.frozen) }), loaded: true })
      if (me.status === 'approved') this.loadDistributor()
    }).catch(() => this.setData({ me: null, loaded: true }))
    api.get('/me/invites', undefined, { silent: true }).then(invites => this.setData({ invites })).catch(() => {})
  },
  loadDistributor() {
    api.get('/distribution/share-code', undefined, { silent: true }).then(share => this.setData({ share })).catch(() => {})
    this.loadTab()
  },
  loadTab() {
    this.list = this.data.tab === 'team'
      ? paged(this, 'rows', '/distribution/team', {}, member => Object.assign({}, member, { at: dateTime(member.joined_at) }))
      : paged(this, 'rows', '/distribution/commissions', {}, row => Object.assign({}, row, { amount: yuan(row.amount), at: dateTime(row.created_at) }))
    this.list.reload()
  },
  onTab(event) {
    this.setData({ tab: event.currentTarget.dataset.key, rows: [] })
    this.loadTab()
  },
  onApply() {
    this.setData({ applying: true })
    api.post('/distribution/application')
      .then(() => {
        wx.showToast({ title: '申请已提交', icon: 'success' })
        this.onShow()
      }).catch(() => {}).finally(() => this.setData({ applying: false }))
  },
  onCopy(event) {
    wx.setClipboardData({ data: event.currentTarget.dataset.text })
  },
  onQr() {
    wx.previewImage({ urls: [this.data.share.qr_url] })
  },
  onReachBottom() {
    if (this.list) this.list.more()
  },
  onShareAppMessage() {
    const code = this.data.share ? this.data.share.code : (this.data.invites || {}).code
    return { title: (this.data.store && this.data.store.name) || '', path: `/pages/home/home${code ? '?ref=' + code : ''}` }
  },
}))
