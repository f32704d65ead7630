// The pages that matter most, fed answers the API really gives (test/fixtures/, captured and
// schema-checked by tests/miniprogram/test_fixtures.py): the cart shows the quote's lines and
// subtotal, checkout shows the quote as given and sends the body OrderRequest takes, the order
// page shows status_label and the order's own amounts. The client adds nothing up.
const test = require('node:test')
const assert = require('node:assert')
const { text } = require('./simulate.js')
const { openPage, settle } = require('./page-sim.js')
const fakeWx = require('./fake-wx.js')
const { dateTime } = require('../utils/format.js')

const fixture = name => JSON.parse(JSON.stringify(require(`./fixtures/${name}.json`)))
const cart = fixture('cart')
const quote = fixture('quote')
const order = fixture('order')

test('cart: each chosen line shows the quote\'s price, the bar the quote\'s subtotal', async () => {
  const campaignQuote = fixture('quote')
  campaignQuote.lines[0] = Object.assign(campaignQuote.lines[0], { unit_price: 4500, rule_name: '限时秒杀', line_total: 13500 })
  const { calls } = fakeWx.install({ 'GET /cart': [200, cart], 'POST /checkout/preview': [200, campaignQuote] })
  const page = await openPage('pages/cart/cart')
  assert.deepStrictEqual(text(page, 'cart__price'), ['¥45'])
  assert.deepStrictEqual(text(page, 'cart__rule'), ['限时秒杀'])
  assert.deepStrictEqual(text(page, 'cart__sum'), ['¥142.50'])
  const preview = calls.requests.find(r => r.key === 'POST /checkout/preview')
  assert.deepStrictEqual(preview.data, { line_ids: [cart.lines[0].id], coupon_id: 0 })
})

test('checkout: the quote as given — goods, each discount, shipping, total, coupons used', async () => {
  fakeWx.install({ 'POST /checkout/preview': [200, quote] })
  const page = await openPage('pages/checkout/checkout', { line_ids: '1' })
  const row = cls => text(page, cls).map(one => one.replace(/\s+/g, ' '))
  assert.deepStrictEqual(row('checkout__goods'), ['商品金额¥150'])
  assert.deepStrictEqual(row('checkout__discount'), ['会员折扣 · 金卡-¥7.50', '优惠券 满100减10-¥10', '优惠券 无门槛3元-¥3'])
  assert.deepStrictEqual(row('checkout__shipping'), ['运费免运费'])
  assert.deepStrictEqual(text(page, 'checkout__total'), ['¥129.50'])
  assert.ok(text(page, 'price').includes('满100减10、无门槛3元 ›'))
})

test('checkout sends OrderRequest: the lines, coupon_id null (the quote\'s best), points, request_id, remark', async () => {
  const { calls } = fakeWx.install({ 'POST /checkout/preview': [200, quote], 'POST /orders': [201, order] })
  const page = await openPage('pages/checkout/checkout', { line_ids: '1' })
  page.instance.onRemark({ detail: { value: '请尽快发货' } })
  page.instance.onSubmit()
  page.instance.onSubmit() // a second tap while placing sends nothing more
  await settle()
  const placed = calls.requests.filter(r => r.key === 'POST /orders')
  assert.strictEqual(placed.length, 1)
  const body = placed[0].data
  assert.match(body.request_id, /^[A-Za-z0-9_.:-]{8,64}$/)
  delete body.request_id
  assert.deepStrictEqual(body, { line_ids: [1], coupon_id: null, points: false, address_id: quote.address.id, remark: '请尽快发货' })
  assert.deepStrictEqual(calls.navigations, [`/pages/pay/pay?no=${order.order_no}`])
})

test('checkout from 立即购买 sends items; with neither, the whole cart; the quote\'s problems stop it', async () => {
  const blocked = Object.assign(fixture('quote'), { problems: ['龙井 库存不足'] })
  const { calls } = fakeWx.install({ 'POST /checkout/preview': [200, blocked] })
  const items = encodeURIComponent(JSON.stringify([{ sku_id: 1, quantity: 2 }]))
  await openPage('pages/checkout/checkout', { items })
  const page = await openPage('pages/checkout/checkout', {})
  const bodies = calls.requests.filter(r => r.key === 'POST /checkout/preview').map(r => r.data)
  assert.deepStrictEqual(bodies[0].items, [{ sku_id: 1, quantity: 2 }])
  assert.ok(!('items' in bodies[1]) && !('line_ids' in bodies[1]))
  assert.deepStrictEqual(text(page, 'checkout__problem'), ['龙井 库存不足'])
  page.instance.onSubmit()
  await settle()
  assert.ok(!calls.requests.some(r => r.key === 'POST /orders'))
})

test('order: status_label, the ship-to region, the amounts the order was placed with', async () => {
  fakeWx.install({ [`GET /orders/${order.order_no}`]: [200, order] })
  const page = await openPage('pages/order/order', { no: order.order_no })
  assert.deepStrictEqual(text(page, 'order__status'), [order.status_label])
  // an unpaid order says until when it can be paid, in China time (the API answers UTC)
  assert.strictEqual(order.status, 'unpaid')
  assert.deepStrictEqual(text(page, 'order__deadline'), [`请在 ${dateTime(order.pay_deadline)} 前完成支付，超时订单将自动取消`])
  assert.ok(text(page, 'muted').includes(`${order.address.region} ${order.address.street}`))
  const amounts = text(page, 'order__amount').map(one => one.replace(/\s+/g, ''))
  assert.deepStrictEqual(amounts, ['订单总额¥129.50'])
})

test('orders: each order\'s status_label, count and total as the list gives them', async () => {
  const orders = fixture('orders')
  fakeWx.install({ 'GET /orders': [200, orders] })
  const page = await openPage('pages/orders/orders')
  assert.deepStrictEqual(text(page, 'price'), [orders.items[0].status_label, '¥129.50'])
  assert.match(text(page, 'orders__sum')[0], new RegExp(`共 ${orders.items[0].count} 件`))
})

test('after-sale: 仅退款 sends kind and reason keys and no amount (all refundable); a return names the lines', async () => {
  const { calls } = fakeWx.install({
    [`GET /orders/${order.order_no}`]: [200, order],
    [`POST /orders/${order.order_no}/aftersales`]: [201, { id: 1 }],
  })
  const page = await openPage('pages/aftersale/aftersale', { no: order.order_no })
  page.instance.onSubmit()
  page.instance.onKind({ currentTarget: { dataset: { key: 'return_and_refund' } } })
  page.instance.onReason({ detail: { value: '4' } })
  page.instance.onSubmit()
  await settle()
  const bodies = calls.requests.filter(r => r.key === `POST /orders/${order.order_no}/aftersales`).map(r => r.data)
  assert.deepStrictEqual(bodies[0], { kind: 'refund_only', reason: 'changed_mind', description: null })
  assert.deepStrictEqual(bodies[1], { kind: 'return_and_refund', reason: 'quality', description: null,
    lines: [{ line_id: order.lines[0].id, quantity: order.lines[0].quantity }] })
})

test('address: the region picker\'s district code goes as area_code; without one, the province by name', async () => {
  const { calls } = fakeWx.install({ 'POST /addresses': [201, quote.address] })
  const page = await openPage('pages/address-edit/address-edit')
  for (const [field, value] of [['name', '张三'], ['phone', '13812345678'], ['street', '文三路 100 号']]) {
    page.instance.onField({ currentTarget: { dataset: { field } }, detail: { value } })
  }
  page.instance.onRegion({ detail: { value: ['浙江省', '杭州市', '西湖区'], code: ['330000', '330100', '330106'] } })
  page.instance.onSave()
  page.instance.onRegion({ detail: { value: ['浙江省', '杭州市', '西湖区'] } })
  page.instance.onSave()
  await settle()
  const [coded, named] = calls.requests.filter(r => r.key === 'POST /addresses').map(r => r.data)
  assert.deepStrictEqual(coded, { name: '张三', phone: '13812345678', city: '杭州市', district: '西湖区', street: '文三路 100 号',
    is_default: false, area_code: '330106' })
  assert.strictEqual(named.province, '浙江省')
  assert.ok(!('area_code' in named))
})

test('top-up: a plan, wx.requestPayment with the API\'s params, then GET /top-ups/{no} for the credited balance', async () => {
  const params = { appId: 'wx0123456789abcdef', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=1', signType: 'RSA', paySign: 's' }
  const { calls } = fakeWx.install({
    'GET /me': [200, { id: 1, nickname: '阿丽', has_phone: false }],
    'GET /me/member': [200, { level: null, points: 0, balance: 0, growth: 0, next_level: null, signed_in_today: false, sign_in_points: 5 }],
    'GET /top-ups': [200, { items: [{ id: 3, amount: 10000, bonus: 1000 }], min_amount: 100, max_amount: 500000 }],
    'POST /top-ups': [201, { top_up_no: 'T1', amount: 10000, bonus: 1000, payment: { params } }],
    'GET /top-ups/T1': [200, { top_up_no: 'T1', amount: 10000, bonus: 1000, status: 'paid', balance: 11000 }],
  })
  const paid = []
  global.wx.requestPayment = options => { paid.push(options.paySign); options.success({}) }
  global.wx.showActionSheet = options => { assert.deepStrictEqual(options.itemList, ['充 ¥100 送 ¥10']); options.success({ tapIndex: 0 }) }
  const page = await openPage('pages/member/member')
  page.instance.onTopUp()
  await settle()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'POST /top-ups').data, { plan_id: 3 })
  assert.deepStrictEqual(paid, ['s'])
  assert.ok(calls.requests.some(r => r.key === 'GET /top-ups/T1'))
  assert.ok(calls.toasts.includes('充值成功'))
})
