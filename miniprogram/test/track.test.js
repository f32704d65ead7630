// utils/track.js and utils/visitor.js: browsing goes to POST /events in batches of at most
// 20, with the client's own random visitor id and the scene it was opened with; every API
// call carries both as headers, so the server's own events (cart, orders) join the same visit.
const test = require('node:test')
const assert = require('node:assert')
require('./simulate.js')
const fakeWx = require('./fake-wx.js')
const { api } = require('../utils/api.js')
const { track, flush, pending, MAX_BATCH } = require('../utils/track.js')
const { setScene, setOpening, VISITOR_KEY } = require('../utils/visitor.js')

test('a full batch goes at once; the rest waits for the next flush', async () => {
  const { calls, storage } = fakeWx.install({ 'POST /events': [204, ''] })
  setScene(1007)
  for (let n = 1; n <= MAX_BATCH + 1; n += 1) track('product_view', { product_id: n })
  await new Promise(resolve => setTimeout(resolve, 5))
  const sent = calls.requests.filter(request => request.key === 'POST /events')
  assert.strictEqual(sent.length, 1)
  assert.strictEqual(sent[0].data.events.length, MAX_BATCH)
  assert.strictEqual(sent[0].data.scene, 1007)
  assert.match(sent[0].data.visitor_id, /^[A-Za-z0-9_-]{8,40}$/)
  assert.strictEqual(sent[0].data.visitor_id, storage.get(VISITOR_KEY))
  assert.deepStrictEqual(pending(), [{ kind: 'product_view', product_id: MAX_BATCH + 1 }])
  await flush()
  assert.strictEqual(calls.requests.filter(request => request.key === 'POST /events').length, 2)
  assert.deepStrictEqual(pending(), [])
  assert.deepStrictEqual(calls.toasts, [])
  setScene(null)
})

test('the visitor id is kept, never the member, and goes along with every call', async () => {
  const { calls, storage } = fakeWx.install({ 'GET /store': [200, { slug: 'demo' }] })
  storage.set(VISITOR_KEY, 'vKeptVisitor01')
  setScene(1155)
  await api.get('/store')
  assert.strictEqual(calls.requests[0].header['X-Duoshop-Visitor'], 'vKeptVisitor01')
  assert.strictEqual(calls.requests[0].header['X-Duoshop-Scene'], '1155')
  setScene('not a scene')
  await api.get('/store')
  assert.strictEqual(calls.requests[1].header['X-Duoshop-Scene'], undefined)
})

test('an answer that fails shows the shopper nothing', async () => {
  const { calls } = fakeWx.install({ 'POST /events': [400, { status: 400, code: 'invalid_parameter', detail: '坏了' }] })
  track('page_view', { page: 'home' })
  await flush()
  assert.deepStrictEqual(calls.toasts, [])
})

test("a share link's utm_source names the channel of every call until the next opening", async () => {
  const { calls } = fakeWx.install({ 'POST /events': [204, ''], 'GET /store': [200, { slug: 'demo' }] })
  setOpening({ scene: 1008, query: { utm_source: 'moments' } })
  track('page_view', { page: 'home' })
  await flush()
  await api.get('/store')
  const [events, store] = calls.requests
  assert.strictEqual(events.data.utm_source, 'moments')
  assert.strictEqual(events.data.scene, 1008)
  assert.strictEqual(store.header['X-Duoshop-Source'], 'moments')
  setOpening({ scene: 1001, query: { utm_source: '<script>' } })  // not a channel: left out
  await api.get('/store')
  assert.strictEqual(calls.requests[2].header['X-Duoshop-Source'], undefined)
  setOpening(null)
})
