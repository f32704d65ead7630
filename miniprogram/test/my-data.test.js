// 我的数据: an export asked for, polled until ready, its link copied; 注销账号 after the
// confirmation, the token dropped; a refusal's detail shown and the shopper kept signed in.
const test = require('node:test')
const assert = require('node:assert')
const { text } = require('./simulate.js')
const { openPage, settle } = require('./page-sim.js')
const fakeWx = require('./fake-wx.js')

const exportAnswer = status => ({
  id: 7, status, requested_at: '2026-12-05T02:00:00+00:00', ready_at: status === 'ready' ? '2026-12-05T02:00:05+00:00' : null,
  expires_at: status === 'ready' ? '2026-12-06T02:00:05+00:00' : null,
  download_url: status === 'ready' ? 'http://demo.localhost:5000/me/data-export/download?token=abc' : null,
})

function withModal(confirm) {
  const shown = []
  wx.showModal = options => { shown.push(options); options.success({ confirm }) }
  const copied = []
  wx.setClipboardData = options => { copied.push(options.data); options.success() }
  return { shown, copied }
}

test('export: asked for, shown ready with its link, the link copied for a browser', async () => {
  const { calls, storage } = fakeWx.install({ 'POST /me/data-exports': [202, exportAnswer('ready')] })
  const { copied } = withModal(true)
  const page = await openPage('pages/my-data/my-data')
  page.instance.onExport()
  await settle()
  assert.deepStrictEqual(text(page, 'my-data__state'), ['已生成，可以下载（仅限一次）'])
  assert.strictEqual(storage.get('duoshop.dataExport'), 7)
  page.instance.onCopyLink()
  assert.deepStrictEqual(copied, ['http://demo.localhost:5000/me/data-export/download?token=abc'])
  assert.ok(calls.toasts.some(title => title.includes('浏览器')))
})

test('export: a pending one is asked about again until it is ready', async () => {
  let polls = 0
  fakeWx.install({
    'POST /me/data-exports': [202, exportAnswer('pending')],
    'GET /me/data-exports/7': () => { polls += 1; return [200, exportAnswer('ready')] },
  })
  withModal(true)
  const page = await openPage('pages/my-data/my-data')
  page.instance.onExport()
  await settle()
  assert.deepStrictEqual(text(page, 'my-data__state'), ['正在生成，一分钟内完成…'])
  page.instance.refresh(7)
  await settle()
  page.instance.stopPolling()
  assert.ok(polls >= 1)
  assert.deepStrictEqual(text(page, 'my-data__state'), ['已生成，可以下载（仅限一次）'])
})

test('erasure: confirmed, sent as {confirm: true}, the token dropped, back to the home page', async () => {
  const { calls, storage } = fakeWx.install({ 'POST /me/erasure': [200, { erased: true, erased_at: '2026-12-05T02:00:00+00:00' }] })
  storage.set('duoshop.token', 'old-token')
  const { shown } = withModal(true)
  const page = await openPage('pages/my-data/my-data')
  page.instance.onErase()
  await settle()
  assert.strictEqual(shown.length, 1)
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'POST /me/erasure').data, { confirm: true })
  assert.strictEqual(storage.has('duoshop.token'), false)
  assert.deepStrictEqual(calls.navigations, ['/pages/home/home'])
})

test('erasure refused: the problem\'s detail is shown and the shopper stays signed in', async () => {
  const detail = '账号还有未完成的订单（D1），请等订单完成、取消或退款后再注销。'
  const { calls, storage } = fakeWx.install({ 'POST /me/erasure': [409, { status: 409, code: 'open_orders', detail }] })
  storage.set('duoshop.token', 'token')
  withModal(true)
  const page = await openPage('pages/my-data/my-data')
  page.instance.onErase()
  await settle()
  assert.deepStrictEqual(calls.toasts, [detail])
  assert.strictEqual(storage.get('duoshop.token'), 'token')
  assert.deepStrictEqual(calls.navigations, [])
})

test('erasure not confirmed: nothing is sent', async () => {
  const { calls } = fakeWx.install({})
  withModal(false)
  const page = await openPage('pages/my-data/my-data')
  page.instance.onErase()
  await settle()
  assert.deepStrictEqual(calls.requests.filter(r => r.key === 'POST /me/erasure'), [])
})
