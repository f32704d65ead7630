// 客服: with ?product= or ?no= the conversation about that product or order (started or
// continued: POST /support/conversations), else the one with the store. The thread is asked
// for what is new every 3 seconds while the page shows (GET …/messages?after=), so the
// store's replies appear by themselves; a message sent comes back with the auto-answer's
// reply when it has one (order status, shipping time, returns; 「转人工」 for a person).
const { api } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { dateTime } = require('../../utils/format.js')

const POLL_MS = 3000
const WHO = { member: '我', staff: '客服', bot: '智能客服' }

function view(message) {
  return { id: message.id, sender: message.sender, who: WHO[message.sender] || '', body: message.body, at: dateTime(message.created_at) }
}

Page(themedPage({
  data: { conversation: null, messages: [], text: '', sending: false },
  onLoad(query) {
    const body = query.no ? { about: 'order', order_no: query.no }
      : query.product ? { about: 'product', product_id: Number(query.product) } : { about: 'store' }
    this.ready = api.post('/support/conversations', body).then(conversation => {
      this.setData({ conversation })
      return this.refresh()
    }).catch(() => {})
  },
  onShow() {
    if (this.data.conversation) this.schedule()
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
  schedule() {
    this.stopPolling()
    this.pollTimer = setTimeout(() => this.refresh(), POLL_MS)
  },
  lastId() {
    const { messages } = this.data
    return messages.length ? messages[messages.length - 1].id : 0
  },
  add(items) {
    const known = new Set(this.data.messages.map(m => m.id))
    const fresh = items.filter(m => !known.has(m.id)).map(view)
    if (fresh.length) this.setData({ messages: this.data.messages.concat(fresh), bottom: `m${fresh[fresh.length - 1].id}` })
  },
  refresh() {
    const { conversation } = this.data
    if (!conversation) return Promise.resolve()
    return api.get(`/support/conversations/${conversation.id}/messages`, { after: this.lastId() }, { silent: true })
      .then(answer => this.add(answer.items))
      .catch(() => {})
      .then(() => this.schedule())
  },
  onInput(event) {
    this.setData({ text: event.detail.value })
  },
  onSend() {
    const text = (this.data.text || '').trim()
    const { conversation, sending } = this.data
    if (!text) {
      wx.showToast({ title: '请输入消息', icon: 'none' })
      return
    }
    if (!conversation || sending) return
    this.setData({ sending: true })
    api.post(`/support/conversations/${conversation.id}/messages`, { body: text })
      .then(answer => {
        this.add(answer.items)
        this.setData({ text: '' })
      })
      .catch(() => {})
      .then(() => this.setData({ sending: false }))
  },
}))
