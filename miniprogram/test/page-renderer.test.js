// The page renderer draws a published page's blocks, in order, each with its type's component.
const test = require('node:test')
const assert = require('node:assert')
const { render, all, text, simulate } = require('./simulate.js')
const fakeWx = require('./fake-wx.js')
const { blockTypes } = require('./blocks-catalogue.js')

const ROOT_CLASS = {
  announcement_bar: 'blk-announcement', banner: 'blk-banner', bargain_list: 'blk-bargain', category_grid: 'blk-categories',
  coupon_strip: 'blk-coupons', divider: 'blk-divider', flash_sale: 'blk-flash', footer: 'blk-footer',
  group_buy_list: 'blk-group-buy', header: 'blk-header', image: 'blk-image', member_card: 'blk-member',
  notice: 'blk-notice', product_carousel: 'blk-carousel', product_grid: 'blk-products', rich_text: 'blk-rich-text',
  search_bar: 'blk-search', spacer: 'blk-spacer', video: 'blk-video',
}

test.beforeEach(() => fakeWx.install({
  'GET /coupons': [200, { items: [] }], 'GET /group-buys': [200, { items: [] }],
  'GET /bargains': [200, { items: [] }], 'GET /flash-sales/current': [200, { sale: null, items: [] }],
}))

test('every type that stands on a page is drawn by its own component', async () => {
  const standing = blockTypes().filter(type => !type.nestedOnly)
  assert.deepStrictEqual(standing.map(type => type.name).sort(), Object.keys(ROOT_CLASS).sort())
  const blocks = standing.map(type => ({ id: type.name, type: type.name, settings: {}, blocks: [], products: [], categories: [] }))
  const c = render('components/page-renderer/page-renderer', { blocks, store: { name: '茶小铺' } })
  await simulate.sleep(5)
  for (const type of standing) {
    assert.strictEqual(all(c, ROOT_CLASS[type.name]).length, 1, `${type.name} drawn once`)
  }
})

test('blocks keep the page\'s order, and nested or unknown types alone draw nothing', async () => {
  const blocks = [
    { id: 'a', type: 'notice', settings: { text: '第一条' }, blocks: [] },
    { id: 'b', type: 'slide', settings: { image: 'https://cdn.test/x.jpg' }, blocks: [] },
    { id: 'c', type: 'hologram', settings: {}, blocks: [] },
    { id: 'd', type: 'product_grid', settings: { title: '精选' }, blocks: [], products: [{ id: 1, title: '龙井', price: 100, images: [] }] },
    { id: 'e', type: 'notice', settings: { text: '第二条' }, blocks: [] },
  ]
  const c = render('components/page-renderer/page-renderer', { blocks, store: { name: '茶小铺' } })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-notice__text'), ['第一条', '第二条'])
  assert.deepStrictEqual(text(c, 'card__title'), ['龙井'])
  assert.strictEqual(all(c, 'blk-slide').length, 0)
  const order = all(c, 'blk-notice').concat(all(c, 'blk-products'))
    .sort((x, y) => (x.compareDocumentPosition(y) & 4 ? -1 : 1)).map(node => node.textContent.trim().slice(0, 3))
  assert.deepStrictEqual(order, ['≋第一', '精选龙', '≋第二'])
})

test('a page with no blocks says the store is being decorated', () => {
  const c = render('components/page-renderer/page-renderer', { blocks: [], store: {} })
  assert.deepStrictEqual(text(c, 'page-renderer__empty'), ['店铺还在装修中，敬请期待'])
})
