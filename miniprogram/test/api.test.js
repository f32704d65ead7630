// utils/api.js: the AppID and token on every call, problem+json shown by its detail, one
// re-sign-in on a 401.
const test = require('node:test')
const assert = require('node:assert')
require('./simulate.js')
const fakeWx = require('./fake-wx.js')
const { api, problemText, signIn, requestId, itemsOf } = require('../utils/api.js')
const { themeStyle } = require('../utils/theme.js')
const { routeFor } = require('../utils/links.js')
const { yuan, dateTime } = require('../utils/format.js')

const problem = (status, code, detail) => [status, { type: 'about:blank', title: 'Error', status, detail, code }]

test('problemText takes the detail, else the title, else a plain apology', () => {
  assert.strictEqual(problemText({ title: 'Conflict', detail: '库存不足，仅剩 2 件', code: 'out_of_stock' }), '库存不足，仅剩 2 件')
  assert.strictEqual(problemText({ title: '未找到' }), '未找到')
  assert.strictEqual(problemText(null), '网络开小差了，请稍后再试')
  assert.strictEqual(problemText('<html>502</html>'), '网络开小差了，请稍后再试')
})

test('a problem+json answer becomes a toast with its detail and a rejected ApiError', async () => {
  const { calls } = fakeWx.install({ 'POST /cart/items': problem(409, 'out_of_stock', '库存不足，仅剩 2 件') })
  await assert.rejects(api.post('/cart/items', { sku_id: 1, quantity: 3 }), error => {
    assert.strictEqual(error.status, 409)
    assert.strictEqual(error.code, 'out_of_stock')
    assert.strictEqual(error.message, '库存不足，仅剩 2 件')
    return true
  })
  assert.deepStrictEqual(calls.toasts, ['库存不足，仅剩 2 件'])
})

test('a problem sent as text (the wire) is read too; silent calls show no toast', async () => {
  const { calls } = fakeWx.install({ 'GET /orders/X1': [404, JSON.stringify({ status: 404, code: 'not_found', detail: '订单不存在' })] })
  await assert.rejects(api.get('/orders/X1', undefined, { silent: true }), error => error.message === '订单不存在')
  assert.deepStrictEqual(calls.toasts, [])
})

test('every call names the store and asks for Chinese; the token goes along once there is one', async () => {
  const { calls, storage } = fakeWx.install({ 'GET /store': [200, { slug: 'demo' }] })
  global.wx.getExtConfigSync = () => ({ appid: 'wx0123456789abcdef', api_base: 'https://shop.test/api/v1/' })
  try {
    const seen = []
    global.wx.request = options => {
      seen.push(options)
      options.success({ statusCode: 200, data: { ok: true } })
    }
    await api.get('/store')
    storage.set('duoshop.token', 'abc')
    await api.get('/me')
    assert.strictEqual(seen[0].url, 'https://shop.test/api/v1/store')
    assert.strictEqual(seen[0].header['X-Duoshop-AppID'], 'wx0123456789abcdef')
    assert.strictEqual(seen[0].header['Accept-Language'], 'zh-CN')
    assert.strictEqual(seen[0].header.Authorization, undefined)
    assert.strictEqual(seen[1].header.Authorization, 'Bearer abc')
  } finally {
    global.wx.getExtConfigSync = () => ({})
  }
  assert.deepStrictEqual(calls.toasts, [])
})

test('a 401 signs in with wx.login once and retries; the token is kept', async () => {
  let meCalls = 0
  const { calls, storage } = fakeWx.install({
    'GET /me/member': (options) => {
      meCalls += 1
      return options.header.Authorization === 'Bearer fresh' ? [200, { points: 5 }] : problem(401, 'not_authenticated', '请先登录')
    },
    'POST /session': (options) => (options.data.code === 'code-1'
      ? [200, { token: 'fresh', token_type: 'Bearer', expires_in: 3600, member: { id: 1, nickname: null, has_phone: false } }]
      : problem(400, 'invalid_parameter', 'bad code')),
  })
  storage.set('duoshop.token', 'stale')
  assert.deepStrictEqual(await api.get('/me/member'), { points: 5 })
  assert.strictEqual(calls.logins, 1)
  assert.strictEqual(meCalls, 2)
  assert.strictEqual(storage.get('duoshop.token'), 'fresh')
  assert.deepStrictEqual(calls.toasts, [])
})

test('a second 401 after signing in is shown, not retried forever', async () => {
  const { calls } = fakeWx.install({
    'GET /me': problem(401, 'not_authenticated', '请先登录'),
    'POST /session': [200, { token: 't', token_type: 'Bearer', expires_in: 1, member: {} }],
  })
  await assert.rejects(api.get('/me'), error => error.code === 'not_authenticated')
  assert.strictEqual(calls.logins, 1)
  assert.deepStrictEqual(calls.toasts, ['请先登录'])
})

test('concurrent sign-ins share one wx.login', async () => {
  const { calls } = fakeWx.install({ 'POST /session': [200, { token: 't', member: {} }] })
  await Promise.all([signIn(), signIn(), signIn()])
  assert.strictEqual(calls.logins, 1)
})

test('a request that never reached the server says so', async () => {
  const { calls } = fakeWx.install()
  global.wx.request = options => options.fail({ errMsg: 'request:fail timeout' })
  await assert.rejects(api.get('/home'), error => error.code === 'network')
  assert.deepStrictEqual(calls.toasts, ['网络开小差了，请稍后再试'])
})

test('helpers: request ids differ, lists are read either way, money and colours and links', () => {
  assert.notStrictEqual(requestId(), requestId())
  assert.deepStrictEqual(itemsOf({ items: [1], next_cursor: null }), [1])
  assert.deepStrictEqual(itemsOf([2]), [2])
  assert.strictEqual(yuan(12345), '¥123.45')
  assert.strictEqual(yuan(-500), '-¥5')
  assert.strictEqual(yuan(7), '¥0.07')
  assert.strictEqual(themeStyle({ primary: '#07c160', price_text: '#333333', bad: 'red;}' }),
    '--color-price-text:#333333;--color-primary:#07c160;')
  assert.strictEqual(routeFor('/products/12'), '/pages/product/product?id=12')
  assert.strictEqual(routeFor('/c/3'), '/pages/search/search?category_id=3')
  assert.strictEqual(routeFor('/search?q=%E8%8C%B6'), '/pages/search/search?q=%E8%8C%B6')
  assert.strictEqual(routeFor('/'), '/pages/home/home')
  assert.strictEqual(routeFor('https://example.com/'), '')
  assert.strictEqual(routeFor('//evil.test/x'), '')
})

test('the spec chooser names the SKU and greys out values no SKU in stock has', () => {
  const { chooser, initialChoice } = require('../utils/sku.js')
  const specs = [{ name: '规格', values: ['50g', '100g'] }, { name: '包装', values: ['罐装', '礼盒'] }]
  const skus = [
    { id: 1, spec_values: ['50g', '罐装'], stock: 3 },
    { id: 2, spec_values: ['50g', '礼盒'], stock: 0 },
    { id: 3, spec_values: ['100g', '礼盒'], stock: 5 },
  ]
  const start = chooser(specs, skus, ['', ''])
  assert.strictEqual(start.sku, null)
  assert.deepStrictEqual(start.rows[1].values.map(v => v.off), [false, false])
  const fifty = chooser(specs, skus, ['50g', ''])
  assert.deepStrictEqual(fifty.rows[1].values.map(v => v.off), [false, true])
  assert.strictEqual(chooser(specs, skus, ['100g', '礼盒']).sku.id, 3)
  assert.deepStrictEqual(initialChoice({ specs: [], skus: [{ id: 9, spec_values: [], stock: 1 }] }).sku.id, 9)
})

test('in development the sandbox mints the sign-in code (ext.dev_login_url) instead of wx.login', async () => {
  const { calls } = fakeWx.install({})
  global.wx.getExtConfigSync = () => ({ appid: 'wxde00000000000001', api_base: 'http://localhost:5000/api/v1',
    dev_login_url: 'http://localhost:5000/sandbox/wechat/dev/js_code' })
  try {
    const seen = []
    global.wx.request = options => {
      seen.push(options)
      if (options.url.endsWith('/dev/js_code')) options.success({ statusCode: 200, data: { code: 'sandbox-code', user_id: 1 } })
      else options.success({ statusCode: 200, data: { token: 't', token_type: 'Bearer', expires_in: 60, member: { id: 1 } } })
    }
    await signIn()
    assert.strictEqual(seen[0].url, 'http://localhost:5000/sandbox/wechat/dev/js_code')
    assert.strictEqual(seen[0].data.appid, 'wxde00000000000001')
    assert.deepStrictEqual([seen[1].url, seen[1].data], ['http://localhost:5000/api/v1/session', { code: 'sandbox-code' }])
    assert.strictEqual(calls.logins, 0)
  } finally {
    global.wx.getExtConfigSync = () => ({})
  }
})

test('API moments are shown in China time whatever the phone zone, microseconds and all', () => {
  assert.strictEqual(dateTime('2026-12-05T08:22:10.619473+00:00'), '2026-12-05 16:22')
  assert.strictEqual(dateTime('2026-12-05T23:30:00Z'), '2026-12-06 07:30')
  assert.strictEqual(dateTime('2026-12-05T16:22:00+08:00'), '2026-12-05 16:22')
  assert.strictEqual(dateTime(null), '')
})
