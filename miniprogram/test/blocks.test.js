// Each block component renders its settings (and its data) as the H5 template does.
const test = require('node:test')
const assert = require('node:assert')
const { render, all, attr, text, tap, simulate } = require('./simulate.js')
const fakeWx = require('./fake-wx.js')

const blockOf = (type, settings, extra = {}) => Object.assign({ id: `b-${type}`, type, settings, blocks: [] }, extra)
const renderBlock = (type, settings, extra, store = { name: '茶小铺', logo_url: '' }) =>
  render(`components/blocks/${type}/${type}`, { block: blockOf(type, settings, extra), store })

const product = (id, title, price, cover) => ({
  id, title, price, images: cover ? [{ id: id * 10, url: `${cover}.jpg`, thumbnail_url: `${cover}-thumb.jpg`, alt: '', position: 0 }] : [],
})

test.beforeEach(() => fakeWx.install())

test('notice shows its text at its speed', async () => {
  const c = renderBlock('notice', { text: '全场满 99 包邮', link: '/products/3', speed: 'fast' })
  assert.deepStrictEqual(text(c, 'blk-notice__text'), ['全场满 99 包邮'])
  assert.strictEqual(all(c, 'blk-notice--fast').length, 1)
  const { calls } = fakeWx.install()
  await tap(c, '.blk-notice__viewport')
  assert.deepStrictEqual(calls.navigations, ['/pages/product/product?id=3'])
})

test('an empty notice asks for its text', () => {
  const c = renderBlock('notice', { text: '', speed: 'normal' })
  assert.deepStrictEqual(text(c, 'blk-empty'), ['请填写滚动公告内容'])
})

test('announcement bar: text, merchant colours, closable', async () => {
  const c = renderBlock('announcement_bar', { text: '新店开业', link: '', text_color: '#ffffff', background_color: '#123456', dismissible: true })
  assert.deepStrictEqual(text(c, 'blk-announcement__text'), ['新店开业'])
  const bar = all(c, 'blk-announcement')[0]
  assert.match(bar.getAttribute('style'), /background-color:#123456/)
  await tap(c, '.blk-announcement__close')
  assert.strictEqual(all(c, 'blk-announcement').length, 0)
})

test('announcement bar leaves out what is not a colour', () => {
  const c = renderBlock('announcement_bar', { text: 'x', text_color: 'red;background:url(x)', background_color: '', dismissible: false })
  assert.strictEqual(all(c, 'blk-announcement')[0].getAttribute('style') || '', '')
  assert.strictEqual(all(c, 'blk-announcement__close').length, 0)
})

test('banner shows its slides through the slide component', () => {
  const slides = [
    { id: 's1', type: 'slide', settings: { image: 'https://cdn.test/a.jpg', alt: '春茶', link: '/products/1' } },
    { id: 's2', type: 'slide', settings: { image: '/media/1/b.jpg', alt: '礼盒', link: '' } },
    { id: 's3', type: 'slide', settings: { image: '', alt: '', link: '' } },
  ]
  const c = renderBlock('banner', { height: 'large', autoplay: true, interval: 5 }, { blocks: slides })
  const images = all(c, 'blk-slide__img')
  assert.deepStrictEqual(images.map(img => attr(img, 'src')),
    ['https://cdn.test/a.jpg', 'http://demo.localhost:5000/media/1/b.jpg'])
  assert.deepStrictEqual(text(c, 'blk-slide__placeholder'), ['请为此轮播项添加图片'])
  assert.strictEqual(all(c, 'blk-banner--large').length, 1)
  assert.strictEqual(c.data.interval, 5000)
})

test('a banner without slides says so', () => {
  const c = renderBlock('banner', { height: 'medium', autoplay: true, interval: 4 })
  assert.deepStrictEqual(text(c, 'blk-empty'), ['请为轮播图添加轮播项'])
})

test('product grid shows N products with their pictures and prices', () => {
  const products = [product(1, '明前龙井', 12800, 'https://cdn.test/p1'), product(2, '白毫银针', 9900, 'https://cdn.test/p2'),
    product(3, '大红袍', 5050, null)]
  const c = renderBlock('product_grid', { title: '新品上架', source: 'newest', columns: 3, count: 3 }, { products })
  assert.deepStrictEqual(text(c, 'blk-title'), ['新品上架'])
  assert.deepStrictEqual(text(c, 'card__title'), ['明前龙井', '白毫银针', '大红袍'])
  assert.deepStrictEqual(text(c, 'card__price'), ['¥128', '¥99', '¥50.50'])
  assert.deepStrictEqual(all(c, 'card__img').map(img => attr(img, 'src')),
    ['https://cdn.test/p1-thumb.jpg', 'https://cdn.test/p2-thumb.jpg'])
  assert.deepStrictEqual(text(c, 'card__initial'), ['大'])
  assert.strictEqual(all(c, 'blk-cols-3').length, 1)
})

test('an empty product grid says so', () => {
  const c = renderBlock('product_grid', { title: '', columns: 2 }, { products: [] })
  assert.deepStrictEqual(text(c, 'blk-empty'), ['暂无可展示的商品。'])
})

test('product carousel shows its products at its card size', async () => {
  const c = renderBlock('product_carousel', { title: '热销', card_size: 'large' }, { products: [product(7, '普洱', 30000, 'https://cdn.test/p7')] })
  assert.deepStrictEqual(text(c, 'card__title'), ['普洱'])
  assert.deepStrictEqual(text(c, 'card__price'), ['¥300'])
  assert.strictEqual(all(c, 'blk-carousel--large').length, 1)
  await tap(c.querySelector('.product'), '.card')
})

test('category grid shows at most `count` categories in its icon style', () => {
  const categories = ['绿茶', '红茶', '乌龙', '花茶'].map((name, i) => ({ id: i + 1, name, parent_id: null }))
  const c = renderBlock('category_grid', { title: '分类', columns: 3, count: 3, icon_style: 'square' }, { categories })
  assert.deepStrictEqual(text(c, 'blk-categories__name'), ['绿茶', '红茶', '乌龙'])
  assert.deepStrictEqual(text(c, 'blk-categories__icon'), ['绿', '红', '乌'])
  assert.strictEqual(all(c, 'blk-categories--square').length, 1)
  const noIcons = renderBlock('category_grid', { columns: 4, count: 8, icon_style: 'text' }, { categories })
  assert.strictEqual(all(noIcons, 'blk-categories__icon').length, 0)
})

test('search bar: placeholder and hot keywords', async () => {
  const { calls } = fakeWx.install()
  const c = renderBlock('search_bar', { placeholder: '搜一搜好茶', hot_keywords: '茶, 礼盒、新品' })
  assert.strictEqual(attr(all(c, 'blk-search__input')[0], 'placeholder'), '搜一搜好茶')
  assert.deepStrictEqual(text(c, 'blk-search__tag'), ['茶', '礼盒', '新品'])
  await tap(c, '.blk-search__tag', 1)
  assert.deepStrictEqual(calls.navigations, [`/pages/search/search?q=${encodeURIComponent('礼盒')}`])
})

test('header: logo from the theme, store name, its nav links', () => {
  const links = [
    { id: 'n1', type: 'nav_link', settings: { label: '全部商品', link: '/products' } },
    { id: 'n2', type: 'nav_link', settings: { label: '', link: '/' } },
    { id: 'n3', type: 'nav_link', settings: { label: '会员', link: '/me' } },
  ]
  const c = renderBlock('header', { logo: '', show_store_name: false, sticky: true }, { blocks: links },
    { name: '茶小铺', logo_url: 'https://cdn.test/logo.png' })
  assert.strictEqual(attr(all(c, 'blk-header__logo')[0], 'src'), 'https://cdn.test/logo.png')
  assert.strictEqual(all(c, 'blk-header__name').length, 0)
  assert.deepStrictEqual(text(c, 'blk-nav-link'), ['全部商品', '会员'])
  assert.strictEqual(all(c, 'blk-header--sticky').length, 1)
  const noLogo = renderBlock('header', { logo: '', show_store_name: false }, {}, { name: '茶小铺', logo_url: '' })
  assert.deepStrictEqual(text(noLogo, 'blk-header__name'), ['茶小铺'])
})

test('footer: links, text, © store, ICP number', () => {
  const links = [{ id: 'f1', type: 'footer_link', settings: { label: '关于我们', link: '/pages/4' } }]
  const c = renderBlock('footer', { text: '好茶好生活', icp_number: '京ICP备12345678号-1' }, { blocks: links })
  assert.deepStrictEqual(text(c, 'blk-footer-link'), ['关于我们'])
  assert.deepStrictEqual(text(c, 'blk-footer__text'), ['好茶好生活'])
  assert.deepStrictEqual(text(c, 'blk-footer__copy'), ['© 茶小铺'])
  assert.deepStrictEqual(text(c, 'blk-footer__icp'), ['京ICP备12345678号-1'])
  const own = renderBlock('footer', { text: '© 2026 茶小铺', icp_number: '' })
  assert.strictEqual(all(own, 'blk-footer__copy').length, 0)
})

test('nav_link, footer_link and slide render alone too', () => {
  assert.deepStrictEqual(text(renderBlock('nav_link', { label: '新品', link: '/' }), 'blk-nav-link'), ['新品'])
  assert.deepStrictEqual(text(renderBlock('footer_link', { label: '联系', link: '/' }), 'blk-footer-link'), ['联系'])
  assert.strictEqual(all(renderBlock('slide', { image: 'https://cdn.test/s.jpg', alt: '', link: '' }), 'blk-slide__img').length, 1)
})

test('image: picture with its link, or the empty note', () => {
  const c = renderBlock('image', { image: 'https://cdn.test/i.jpg', alt: '茶园', link: '' })
  assert.strictEqual(attr(all(c, 'blk-image__img')[0], 'src'), 'https://cdn.test/i.jpg')
  assert.deepStrictEqual(text(renderBlock('image', { image: '' }), 'blk-empty'), ['请为此组件添加图片'])
})

test('video: player with poster; muted autoplay when asked', () => {
  const c = renderBlock('video', { url: 'https://cdn.test/v.mp4', poster: '/media/1/p.jpg', autoplay_muted: true })
  const player = all(c, 'blk-video__player')[0]
  assert.strictEqual(attr(player, 'src'), 'https://cdn.test/v.mp4')
  assert.strictEqual(c.data.poster, 'http://demo.localhost:5000/media/1/p.jpg')
  assert.strictEqual(c.data.autoplay, true)
  assert.deepStrictEqual(text(renderBlock('video', { url: '' }), 'blk-empty'), ['请为此组件添加视频'])
})

test('rich text hands its html to rich-text', () => {
  const c = renderBlock('rich_text', { html: '<p>好<strong>茶</strong></p>' })
  assert.strictEqual(c.data.html, '<p>好<strong>茶</strong></p>')
  assert.strictEqual(all(c, 'blk-rich-text').length, 1)
})

test('divider and spacer take their style and size', () => {
  const line = all(renderBlock('divider', { style: 'dashed', color: '#ff0000' }), 'blk-divider')[0]
  assert.ok(Array.from(line.classList).some(name => name.endsWith('blk-divider--dashed')))
  assert.match(line.getAttribute('style'), /border-top-color:#ff0000/)
  const space = all(renderBlock('spacer', { height: 40 }), 'blk-spacer')[0]
  assert.match(space.getAttribute('style'), /height: 40px/)
})

test('member card: title, benefits, join button', () => {
  const c = renderBlock('member_card', { title: '金卡会员', benefits: '全场 9 折', link: '/me' })
  assert.deepStrictEqual(text(c, 'blk-member__title'), ['金卡会员'])
  assert.deepStrictEqual(text(c, 'blk-member__benefits'), ['全场 9 折'])
  assert.deepStrictEqual(text(c, 'blk-member__store'), ['茶小铺'])
  assert.deepStrictEqual(text(c, 'blk-member__join'), ['立即开卡'])
})

test('member card shows a signed-in member their points and balance', async () => {
  const { storage } = fakeWx.install({
    'GET /me/member': [200, { level: { name: '银卡', discount: 95 }, points: 320, balance: 1250, signed_in_today: false }],
  })
  storage.set('duoshop.token', 't')
  const c = renderBlock('member_card', { title: '', benefits: '' })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-member__status'), ['银卡 · 320 积分 · 余额 ¥12.50'])
})

test('coupon strip loads the claimable coupons and claims one', async () => {
  const coupons = [
    { id: 1, title: '新人券', kind: 'amount_off', value: 500, percent_off: 0, min_spend: 5000 },
    { id: 2, title: '九折券', kind: 'percent_off', value: 2000, percent_off: 10, min_spend: 0 },
    { id: 3, title: '无门槛', kind: 'amount_off', value: 300, percent_off: 0, min_spend: 0 },
  ]
  const { calls } = fakeWx.install({
    'GET /coupons': [200, { items: coupons, next_cursor: null }],
    'POST /coupons/2/claim': [201, { id: 9, coupon_id: 2 }],
  })
  const c = renderBlock('coupon_strip', { title: '领券中心', count: 2 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-coupon__value'), ['¥5', '减 10%'])
  assert.deepStrictEqual(text(c, 'blk-coupon__rule'), ['满 ¥50 可用', '最多减 ¥20'])
  await tap(c, '.blk-coupon__claim', 1)
  assert.ok(calls.requests.some(r => r.key === 'POST /coupons/2/claim'))
  assert.deepStrictEqual(text(c, 'blk-coupon__claimed'), ['已领取'])
  assert.deepStrictEqual(calls.toasts, ['领取成功'])
})

test('coupon strip takes the coupons the block carries, and says when there are none', async () => {
  const c = renderBlock('coupon_strip', { title: '', count: 6 }, { coupons: [{ id: 4, title: '满减', kind: 'amount_off', value: 1000, min_spend: 0 }] })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-coupon__title'), ['满减'])
  assert.deepStrictEqual(text(c, 'blk-title'), ['优惠券'])
  fakeWx.install({ 'GET /coupons': [200, { items: [], next_cursor: null }] })
  const none = renderBlock('coupon_strip', { count: 6 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(none, 'blk-empty'), ['暂无优惠券'])
})

test('flash sale: deals with flash price, units left and a countdown', async () => {
  const endsAt = new Date(Date.now() + (2 * 3600 + 5 * 60 + 30) * 1000).toISOString()
  fakeWx.install({
    'GET /flash-sales/current': [200, { sale: { id: 1, ends_at: endsAt }, items: [
      { product: product(5, '秒杀茶', 9900, 'https://cdn.test/p5'), sku_id: 51, price: 4900, original_price: 9900, units_left: 7, per_member_limit: 2, ends_at: endsAt },
    ] }],
  })
  const c = renderBlock('flash_sale', { title: '', ends_at: '', count: 4 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-flash__title'), ['限时秒杀'])
  assert.deepStrictEqual(text(c, 'card__price'), ['¥49'])
  assert.deepStrictEqual(text(c, 'card__was'), ['¥99'])
  assert.deepStrictEqual(text(c, 'card__badge'), ['仅剩 7 件'])
  const units = text(c, 'blk-flash__unit')
  assert.strictEqual(units[0], '02')
  assert.ok(['05', '04'].includes(units[1]))
  c.detach()
})

test('flash sale: the merchant\'s end time wins; past it says 已结束', async () => {
  fakeWx.install({ 'GET /flash-sales/current': [200, { sale: null, items: [] }] })
  const c = renderBlock('flash_sale', { title: '今日秒杀', ends_at: '2020-01-01T00:00:00+08:00', count: 4 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-flash__label'), ['已结束'])
  assert.deepStrictEqual(text(c, 'blk-empty'), ['暂无进行中的秒杀'])
  c.detach()
})

test('group buy list: group price, group size, link to the campaign', async () => {
  const { calls } = fakeWx.install({
    'GET /group-buys': [200, { items: [{ id: 8, title: '拼团茶', product: product(3, '拼团茶', 8800, null), sku_id: 31, price: 8800, group_price: 5900, size: 3, hours: 24, ends_at: '2030-01-01T00:00:00+08:00' }] }],
  })
  const c = renderBlock('group_buy_list', { title: '', count: 4 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'blk-title'), ['拼团'])
  assert.deepStrictEqual(text(c, 'card__badge'), ['3 人团'])
  assert.deepStrictEqual(text(c, 'card__price'), ['¥59'])
  assert.deepStrictEqual(text(c, 'card__cta'), ['去拼团'])
  await tap(c.querySelector('.product'), '.card')
  assert.deepStrictEqual(calls.navigations, ['/pages/group-buy/group-buy?id=8'])
})

test('bargain list: floor price against the price', async () => {
  fakeWx.install({ 'GET /bargains': [200, { items: [{ id: 2, product: product(4, '砍价茶', 10000, null), floor_price: 100, price: 10000 }] }] })
  const c = renderBlock('bargain_list', { title: '一起砍', count: 4 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(c, 'card__lead'), ['最低砍至'])
  assert.deepStrictEqual(text(c, 'card__price'), ['¥1'])
  assert.deepStrictEqual(text(c, 'card__was'), ['¥100'])
  fakeWx.install({ 'GET /bargains': [200, { items: [] }] })
  const none = renderBlock('bargain_list', { count: 4 })
  await simulate.sleep(5)
  assert.deepStrictEqual(text(none, 'blk-empty'), ['暂无砍价活动'])
})
