// 我的数据: 导出我的数据 (POST /me/data-exports, then GET /me/data-exports/{id} until it is
// ready: its one-time download link is copied for a browser, where the ZIP opens) and
// 注销账号 (POST /me/erasure after a confirmation; a refusal's detail says what to finish first).
const { api, setToken } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { dateTime } = require('../../utils/format.js')

const EXPORT_KEY = 'duoshop.dataExport'
const POLL_MS = 3000
const POLLS = 20 // a minute: the export is ready well within it
const STATUS_TEXT = {
  pending: '正在生成，一分钟内完成…',
  ready: '已生成，可以下载（仅限一次）',
  downloaded: '已下载，文件已从服务器删除',
  expired: '下载链接已过期',
}

function exportView(body) {
  return Object.assign({}, body, { statusText: STATUS_TEXT[body.status] || '', until: dateTime(body.expires_at) })
}

Page(themedPage({
  data: { dataExport: null, exporting: false, erasing: false },
  onShow() {
    const id = wx.getStorageSync(EXPORT_KEY)
    if (id) this.refresh(id)
  },
  onHide() {
    this.stopPolling()
  },
  onUnload() {
    this.stopPolling()
  },
  stopPolling() {
    if (this.pollTimer) clearTimeout(this.pollTimer)
    this.pollTimer = null
  },
  refresh(id) {
    return api.get(`/me/data-exports/${id}`, undefined, { silent: true })
      .then(body => this.show(body))
      .catch(() => wx.removeStorageSync(EXPORT_KEY))
  },
  show(body) {
    this.setData({ dataExport: exportView(body) })
    if (body.status === 'pending' && (this.polls || 0) < POLLS) {
      this.polls = (this.polls || 0) + 1
      this.pollTimer = setTimeout(() => this.refresh(body.id), POLL_MS)
    }
  },
  onExport() {
    if (this.data.exporting) return
    this.setData({ exporting: true })
    this.polls = 0
    api.post('/me/data-exports').then(body => {
      wx.setStorageSync(EXPORT_KEY, body.id)
      this.show(body)
    }).catch(() => {}).then(() => this.setData({ exporting: false }))
  },
  onCopyLink() {
    const { dataExport } = this.data
    if (!dataExport || !dataExport.download_url) return
    wx.setClipboardData({
      data: dataExport.download_url,
      success: () => wx.showToast({ title: '链接已复制，请在浏览器中打开下载', icon: 'none', duration: 3000 }),
    })
  },
  onErase() {
    if (this.data.erasing) return
    wx.showModal({
      title: '确认注销账号？',
      content: '注销后昵称、手机号和收货地址将被删除，积分清零、未使用的优惠券作废；历史订单按法律要求保留 3 年但不再含个人信息。注销不可撤销。',
      confirmText: '确认注销',
      confirmColor: '#ee0a24',
      success: res => {
        if (res.confirm) this.erase()
      },
    })
  },
  erase() {
    this.setData({ erasing: true })
    return api.post('/me/erasure', { confirm: true }).then(() => {
      setToken('')
      wx.removeStorageSync(EXPORT_KEY)
      wx.showToast({ title: '账号已注销', icon: 'success' })
      wx.switchTab({ url: '/pages/home/home' })
    }).catch(() => {}).then(() => this.setData({ erasing: false }))
  },
}))
