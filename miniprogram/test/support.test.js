// 客服: the product's conversation is started with {about: 'product'}, the thread shown, a
// message sent comes back with the auto-answer; the poll adds only what is new (the store's
// reply), and stops when the page hides. The order page opens the order's conversation.
const test = require('node:test')
const assert = require('node:assert')
const { text } = require('./simulate.js')
const { openPage, settle } = require('./page-sim.js')
const fakeWx = require('./fake-wx.js')

const conversation = { id: 5, about: 'product', product_id: 12, product_title: '龙井', order_no: null, last_message_at: '2026-12-05T02:00:00+00:00', last_preview: '', unread: 0 }
const message = (id, sender, body) => ({ id, sender, body, created_at: '2026-12-05T02:00:00+00:00' })

test('product conversation: started, a message sent comes back with the auto-answer, the poll adds the reply', async () => {
  let polls = 0
  const { calls } = fakeWx.install({
    'POST /support/conversations': [200, conversation],
    'GET /support/conversations/5/messages': () => {
      polls += 1
      return [200, { items: polls === 1 ? [message(1, 'member', '在吗')] : polls === 2 ? [] : [message(4, 'staff', '在的，亲')] }]
    },
    'POST /support/conversations/5/messages': [201, { items: [message(2, 'member', '几天发货'), message(3, 'bot', '付款后 48 小时内发货')] }],
  })
  const page = await openPage('pages/support/support', { product: '12' })
  await page.instance.ready
  await settle()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'POST /support/conversations').data, { about: 'product', product_id: 12 })
  page.instance.onInput({ detail: { value: '几天发货' } })
  page.instance.onSend()
  await settle()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'POST /support/conversations/5/messages').data, { body: '几天发货' })
  assert.deepStrictEqual(text(page, 'support__body'), ['在吗', '几天发货', '付款后 48 小时内发货'])
  await page.instance.refresh()
  await page.instance.refresh()
  await settle()
  page.instance.onHide()
  assert.strictEqual(page.instance.pollTimer, null)
  assert.deepStrictEqual(text(page, 'support__body'), ['在吗', '几天发货', '付款后 48 小时内发货', '在的，亲'])
  const afters = calls.requests.filter(r => r.key === 'GET /support/conversations/5/messages').map(r => r.data.after)
  assert.deepStrictEqual(afters.slice(0, 3), [0, 3, 3])
})

test('an empty message is not sent; the order page opens the order\'s conversation', async () => {
  const { calls } = fakeWx.install({
    'POST /support/conversations': [200, Object.assign({}, conversation, { about: 'order', order_no: 'N1' })],
    'GET /support/conversations/5/messages': [200, { items: [] }],
  })
  const page = await openPage('pages/support/support', { no: 'N1' })
  await page.instance.ready
  page.instance.onInput({ detail: { value: '   ' } })
  page.instance.onSend()
  await settle()
  page.instance.onUnload()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'POST /support/conversations').data, { about: 'order', order_no: 'N1' })
  assert.ok(!calls.requests.some(r => r.key === 'POST /support/conversations/5/messages'))
  assert.deepStrictEqual(calls.toasts, ['请输入消息'])
})
