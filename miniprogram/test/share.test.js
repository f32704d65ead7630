// onShareAppMessage hands WeChat the `share` card the API answers with a page or product:
// its title, picture and mini-program path; until the answer arrives, the page's own fallback.
const test = require('node:test')
const assert = require('node:assert')
const { openPage } = require('./page-sim.js')
const fakeWx = require('./fake-wx.js')

const card = (title, path) => ({ title, desc: '多店铺', image: 'http://demo.localhost:5000/media/1/banner.jpg', path })

test('home shares the card of the published home page', async () => {
  fakeWx.install({ 'GET /home': [200, { page: { id: 1, title: '首页', version: 2 }, blocks: [],
    share: card('春夏新品 轻盈上身', '/pages/home/home') }] })
  const page = await openPage('pages/home/home')
  assert.deepStrictEqual(page.instance.onShareAppMessage(), {
    title: '春夏新品 轻盈上身', imageUrl: 'http://demo.localhost:5000/media/1/banner.jpg', path: '/pages/home/home' })
})

test('a custom page shares its own card and path', async () => {
  fakeWx.install({ 'GET /pages/big-sale': [200, { page: { id: 7, title: '618 年中大促', version: 1 }, blocks: [],
    share: card('618 狂欢 满300减40', '/pages/page/page?slug=big-sale') }] })
  const page = await openPage('pages/page/page', { slug: 'big-sale' })
  const message = page.instance.onShareAppMessage()
  assert.strictEqual(message.title, '618 狂欢 满300减40')
  assert.strictEqual(message.path, '/pages/page/page?slug=big-sale')
  assert.strictEqual(message.imageUrl, 'http://demo.localhost:5000/media/1/banner.jpg')
})

test('a card without a picture leaves imageUrl out, so WeChat takes a screenshot', async () => {
  fakeWx.install({ 'GET /pages/plain': [200, { page: { id: 8, title: '说明', version: 1 }, blocks: [],
    share: { title: '说明', desc: 'demo', image: null, path: '/pages/page/page?slug=plain' } }] })
  const page = await openPage('pages/page/page', { slug: 'plain' })
  assert.deepStrictEqual(page.instance.onShareAppMessage(), { title: '说明', path: '/pages/page/page?slug=plain' })
})

test('before the page has loaded, the share falls back to the page path', async () => {
  fakeWx.install({})
  const page = await openPage('pages/page/page', { slug: 'gone' })
  assert.deepStrictEqual(page.instance.onShareAppMessage(), { path: '/pages/page/page?slug=gone' })
})

test('a product shares its title, first picture and product path', async () => {
  const product = { id: 12, title: '纯棉短袖T恤', subtitle: '夏季新款', price: 7900, category_id: null, stock: 5, sold_count: 0,
    images: [], specs: [], description: '', skus: [{ id: 3, code: '', spec_values: [], price: 7900, market_price: null,
      stock: 5, weight: 0, image_url: null }],
    share: { title: '纯棉短袖T恤', desc: '夏季新款', image: 'http://demo.localhost:5000/media/1/tee.jpg',
      path: '/pages/product/product?id=12' } }
  fakeWx.install({ 'GET /products/12': [200, product] })
  const page = await openPage('pages/product/product', { id: '12' })
  assert.deepStrictEqual(page.instance.onShareAppMessage(), {
    title: '纯棉短袖T恤', imageUrl: 'http://demo.localhost:5000/media/1/tee.jpg', path: '/pages/product/product?id=12' })
})
