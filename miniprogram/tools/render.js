#!/usr/bin/env node
// Renders the mini-program's main screens with realistic data (test/fixtures/ plus a home page
// of blocks) under miniprogram-simulate, and writes each as a standalone HTML file a browser
// can show at phone width: the rendered DOM, the page's and its components' WXSS as CSS
// (rpx → px at 375 px: 1rpx = 0.5px), app.wxss, the theme's CSS variables and a stylesheet
// standing in for WeChat's built-in components (view, text, image, swiper, button, input…).
//
//   node tools/render.js [--out DIR]      (default: /tmp/mp-screens)
//
// tests/e2e/miniprogram_screens.py runs it and photographs each file with Chromium.
// A look, not a test: what the simulator cannot draw (a real swiper, native inputs, the
// navigation and tab bars) is approximated here, not asserted.
const fs = require('fs')
const path = require('path')

// Keep rpx in the styles miniprogram-simulate injects (it would turn 1rpx into 1px); they are
// converted below at the phone's scale.
const simulateUtils = require('miniprogram-simulate/src/utils')
simulateUtils.transformRpx = style => style

const { simulate, ROOT } = require('../test/simulate.js')
const wxss = require('miniprogram-simulate/src/wxss')
const { openPage, settle } = require('../test/page-sim.js')
const fakeWx = require('../test/fake-wx.js')
const { themeStyle } = require('../utils/theme.js')

const WIDTH = 375
const HEIGHT = 812
const STATUS_BAR = 20
const NAV_BAR = 44
const TAB_BAR = 50
const RPX = WIDTH / 750
const COLORS = { primary: '#ee0a24' }
const STORE = { slug: 'tea', name: '一叶茶舍', logo_url: '', colors: COLORS }

// ---- data -------------------------------------------------------------------------------

const fixture = name => JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', `${name}.json`), 'utf8'))

// Product photos drawn as SVG (no network when photographed): a coloured ground, a tea
// bowl or tin, the product's name.
const PALETTE = [['#e8f1e4', '#7aa86c'], ['#f6ece1', '#b07a4f'], ['#efe7f3', '#8e6aa8'], ['#fdf1e2', '#d08a2e'],
  ['#e6eef5', '#5b84a8'], ['#f4e6e6', '#b25b5b']]
const PHOTOS = new Map()
function photo(label, index, width = 600, height = 600) {
  const [ground, ink] = PALETTE[index % PALETTE.length]
  const cx = width / 2
  const cy = height / 2
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${ground}"/><stop offset="1" stop-color="#ffffff"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>` +
    `<ellipse cx="${cx}" cy="${cy + height * 0.16}" rx="${width * 0.3}" ry="${height * 0.05}" fill="${ink}" opacity="0.18"/>` +
    `<path d="M${cx - width * 0.24} ${cy - height * 0.06} h${width * 0.48} a${width * 0.24} ${height * 0.2} 0 0 1 -${width * 0.48} 0 z" fill="${ink}"/>` +
    `<path d="M${cx - width * 0.06} ${cy - height * 0.12} q${width * 0.08} -${height * 0.16} ${width * 0.16} -${height * 0.1} q-${width * 0.04} ${height * 0.1} -${width * 0.16} ${height * 0.1} z" fill="${ink}" opacity="0.7"/>` +
    `<text x="${cx}" y="${height * 0.86}" text-anchor="middle" font-family="Noto Sans CJK SC, sans-serif" font-size="${Math.round(Math.min(height / 11, width * 0.8 / label.length))}" fill="${ink}">${label}</text></svg>`
  // The data arrives with an https address, as from the API; the HTML gets the picture itself.
  const url = `https://img.duoshop.test/${PHOTOS.size + 1}.svg`
  PHOTOS.set(url, `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`)
  return url
}

const PRODUCTS = [['明前龙井', 12800], ['白毫银针', 9900], ['武夷大红袍', 16800], ['云南古树普洱', 23800],
  ['安溪铁观音 礼盒装 250g', 8800], ['桂花乌龙', 4500]]
  .map(([title, price], i) => ({ id: i + 1, title, price, images: [{ id: i + 1, url: photo(title, i), thumbnail_url: photo(title, i), alt: '', position: 0 }] }))

const HOME_BLOCKS = [
  { id: 'n', type: 'notice', settings: { text: '新茶上市，全场满 99 元包邮，会员再享 95 折', speed: 'normal', link: '' }, blocks: [] },
  { id: 'b', type: 'banner', settings: { height: 'medium', autoplay: true, interval: 4 }, blocks: [
    { id: 's1', type: 'slide', settings: { image: photo('春茶上新 · 明前龙井', 0, 750, 320), alt: '春茶上新', link: '/products/1' } },
    { id: 's2', type: 'slide', settings: { image: photo('礼盒专场', 3, 750, 320), alt: '礼盒专场', link: '' } },
  ] },
  { id: 'c', type: 'category_grid', settings: { title: '', columns: 4, count: 8, icon_style: 'circle' }, blocks: [],
    categories: ['绿茶', '红茶', '乌龙', '普洱', '白茶', '花茶', '茶具', '礼盒'].map((name, i) => ({ id: i + 1, name, parent_id: null })) },
  { id: 'k', type: 'coupon_strip', settings: { title: '领券中心', count: 3 }, blocks: [] },
  { id: 'p', type: 'product_grid', settings: { title: '本周热卖', source: 'newest', columns: 2, count: 6 }, blocks: [], products: PRODUCTS },
]
const COUPONS = [
  { id: 1, title: '新人专享', kind: 'amount_off', value: 1000, percent_off: 0, min_spend: 9900 },
  { id: 2, title: '会员九折', kind: 'percent_off', value: 2000, percent_off: 10, min_spend: 0 },
  { id: 3, title: '无门槛券', kind: 'amount_off', value: 300, percent_off: 0, min_spend: 0, claimed: true },
]

const PRODUCT = {
  id: 1, title: '明前龙井 2026 新茶 特级 西湖产区', subtitle: '手工炒制，豆香浓郁，回甘持久', price: 12800, sold_count: 1286,
  images: [1, 2].map(n => ({ id: n, url: photo('明前龙井', 0, 750, 750), thumbnail_url: photo('明前龙井', 0), alt: '', position: n })),
  specs: [{ name: '规格', values: ['50g', '100g', '250g'] }, { name: '包装', values: ['罐装', '礼盒'] }],
  skus: [
    { id: 1, spec_values: ['50g', '罐装'], price: 12800, market_price: 15800, stock: 20, image_url: '' },
    { id: 2, spec_values: ['50g', '礼盒'], price: 14800, market_price: 0, stock: 8, image_url: '' },
    { id: 3, spec_values: ['100g', '罐装'], price: 23800, market_price: 0, stock: 0, image_url: '' },
    { id: 4, spec_values: ['250g', '礼盒'], price: 52800, market_price: 0, stock: 3, image_url: '' },
  ],
}

// The fixtures as captured have no pictures (the test store's products have none); give
// their lines one, as a store with photos would.
function withPictures(lines) {
  return lines.map((line, i) => Object.assign({}, line, { image_url: photo(line.title, i) }))
}
const cart = fixture('cart')
cart.lines = withPictures(cart.lines).concat([
  Object.assign({}, cart.lines[0], { id: 2, product_id: 4, sku_id: 7, title: '云南古树普洱 357g 饼茶 2019 年春茶', spec_text: '357g / 生茶',
    quantity: 1, unit_price: 23800, seen_price: 23800, image_url: photo('云南古树普洱', 3) }),
  Object.assign({}, cart.lines[0], { id: 3, product_id: 6, sku_id: 9, title: '桂花乌龙', spec_text: '罐装', quantity: 1, unit_price: 4500,
    seen_price: 4500, available: false, notes: ['已下架'], image_url: photo('桂花乌龙', 5) }),
])
const quote = fixture('quote')
quote.lines = withPictures(quote.lines)
cart.count = cart.lines.reduce((sum, line) => sum + line.quantity, 0)
// The cart's quote for its chosen lines (the captured one is for 龙井 alone).
const cartQuote = Object.assign(JSON.parse(JSON.stringify(quote)), {
  lines: quote.lines.concat([{ image_url: null, line_total: 23800, quantity: 1, regular_price: 23800, rule_name: '', sku_id: 7, spec_text: '357g / 生茶',
    title: cart.lines[1].title, unit_price: 23800 }]),
  subtotal: quote.subtotal + 23800,
})
const order = fixture('order')
order.lines = withPictures(order.lines)
order.created_at = '2026-12-05T16:22:10+08:00'

const ME = { id: 1, nickname: '阿丽', has_phone: true }
const MEMBER = { level: { id: 2, name: '金卡会员' }, points: 1280, balance: 12550, growth: 820, signed_in_today: false, sign_in_points: 5,
  next_level: { name: '钻石会员', growth_threshold: 2000 } }

const ROUTES = {
  'GET /home': [200, { page: { title: '首页' }, blocks: HOME_BLOCKS }],
  'GET /coupons': [200, { items: COUPONS, next_cursor: null }],
  'GET /group-buys': [200, { items: [] }], 'GET /bargains': [200, { items: [] }],
  'GET /flash-sales/current': [200, { sale: null, items: [] }],
  'GET /products/1': [200, PRODUCT],
  'GET /cart': [200, cart],
  'POST /checkout/preview': options => [200, (options.data.line_ids || []).length > 1 ? cartQuote : quote],
  [`GET /orders/${order.order_no}`]: [200, order],
  'GET /me': [200, ME], 'GET /me/member': [200, MEMBER],
  'GET /privacy-policy': [200, fixture('privacy-policy')], 'GET /me/consents': [200, fixture('consents')],
}

// [file name, page path, query, title on the navigation bar, tab bar item selected or null,
//  what the shopper does before the picture]
const SCREENS = [
  ['home', 'pages/home/home', {}, STORE.name, 0],
  ['product', 'pages/product/product', { id: '1' }, PRODUCT.title, null],
  // The spec sheet opened by 立即购买, one spec chosen.
  ['product-sheet', 'pages/product/product', { id: '1' }, PRODUCT.title, null, page => {
    page.instance.onOpen({ currentTarget: { dataset: { action: 'buy' } } })
    page.instance.onValue({ currentTarget: { dataset: { row: 0, value: '50g', off: false } } })
  }],
  ['cart', 'pages/cart/cart', {}, '购物车', 2],
  ['checkout', 'pages/checkout/checkout', { line_ids: '1' }, '确认订单', null],
  ['order', 'pages/order/order', { no: order.order_no }, '订单详情', null],
  ['member', 'pages/member/member', {}, '会员中心', 3],
  ['privacy', 'pages/privacy/privacy', {}, '隐私与数据', null],
  // Before a first sign-in: the policy in full, the optional choices, 同意并继续.
  ['privacy-consent', 'pages/privacy/privacy', { consent: '1' }, '隐私与数据', null],
]

// ---- styles -----------------------------------------------------------------------------

// 24rpx → 12px; decimals and negatives too.
const rpxToPx = css => css.replace(/(-?\d*\.?\d+)rpx/g, (all, n) => `${+(Number(n) * RPX).toFixed(3)}px`)

const postcss = require(require.resolve('postcss', { paths: [path.dirname(require.resolve('miniprogram-simulate'))] }))
const BUILTIN_TAGS = ['view', 'text', 'image', 'button', 'input', 'textarea', 'swiper', 'swiper-item', 'scroll-view',
  'picker', 'switch', 'navigator', 'rich-text', 'video', 'form', 'icon', 'label', 'checkbox', 'radio']
const TAG = new RegExp(`(^|[\\s,>+~(])(${BUILTIN_TAGS.join('|')})(?=$|[\\s,.:\\[>+~)#])`, 'g')

// What the browser cannot take from WXSS as written: `page` is the body, a built-in's tag
// (button, image) is its element here (wx-button), env() safe areas are 0 on this phone.
// 100vh is the page's window: the screen less WeChat's status, navigation and tab bars.
function forBrowser(css, windowHeight = HEIGHT - STATUS_BAR - NAV_BAR) {
  const vh = css => css.replace(/(-?\d*\.?\d+)vh\b/g, (all, n) => `${+(Number(n) * windowHeight / 100).toFixed(2)}px`)
  const root = postcss.parse(vh(rpxToPx(css)).replace(/env\(safe-area-inset-[a-z]+\)/g, '0px'))
  root.walkRules(rule => {
    if (rule.parent && rule.parent.type === 'atrule' && /keyframes$/.test(rule.parent.name)) return
    rule.selectors = rule.selectors.map(selector => selector
      .replace(/(^|[\s,>+~])page(?=$|[\s,.:\[>+~])/g, '$1body')
      .replace(TAG, '$1wx-$2'))
  })
  return root.toString()
}

// A photograph is one moment: marquees are stopped where their text reads from the start.
const STILL = `
[class$="--blk-notice__text"] { animation: none !important; padding-left: 0 !important; }
`

// WeChat's built-in components as the base library draws them (style v2), close enough to
// judge a layout: views are blocks, text inline, an image 320×240 unless sized, a button a
// bold 184px-wide block (style v2) unless the page says otherwise.
const BUILTINS = `
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; width: ${WIDTH}px; font-size: 16px; line-height: 1.4; background: #f7f8fa;
  font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Helvetica Neue", sans-serif; }
main { display: block; }
wx-view, wx-scroll-view, wx-swiper, wx-swiper-item, wx-picker, wx-navigator, wx-form, wx-rich-text, wx-video { display: block; }
wx-text { display: inline; }
wx-image { display: inline-block; position: relative; overflow: hidden; width: 320px; height: 240px; vertical-align: top; }
wx-image > img { display: block; width: 100%; height: 100%; }
wx-swiper { position: relative; height: 150px; overflow: hidden; }
wx-swiper-item { position: absolute; inset: 0; width: 100%; height: 100%; overflow: hidden; }
wx-swiper-item ~ wx-swiper-item { display: none; }
.mp-dots { position: absolute; left: 0; right: 0; bottom: 10px; display: flex; justify-content: center; gap: 8px; z-index: 1; }
.mp-dots i { width: 8px; height: 8px; border-radius: 50%; background: rgba(0,0,0,0.3); }
.mp-dots i.on { background: var(--mp-dot-active, #000); }
wx-scroll-view { overflow: hidden; }
wx-button { position: relative; display: block; box-sizing: border-box; margin-left: auto; margin-right: auto;
  padding: 12px 24px; font-size: 17px; font-weight: 700; line-height: 1.41176471; text-align: center; text-decoration: none;
  border-radius: 8px; overflow: hidden; color: #06ae56; background-color: #f2f2f2; white-space: nowrap; }
wx-button:not([size=mini]) { width: 184px; }
wx-button[size=mini] { display: inline-block; padding: 0 12px; font-size: 13px; line-height: 2.3; }
wx-button::after { content: " "; position: absolute; top: 0; left: 0; width: 200%; height: 200%; box-sizing: border-box;
  border: 1px solid rgba(0,0,0,0.2); border-radius: 16px; transform: scale(0.5); transform-origin: 0 0; }
wx-button[disabled] { opacity: 0.6; }
wx-input { display: block; height: 1.4rem; min-height: 1.4rem; overflow: hidden; text-overflow: clip; white-space: nowrap; }
wx-input .mp-placeholder { color: #808080; }
wx-textarea { display: block; width: 300px; height: 150px; }
wx-switch { display: inline-block; width: 52px; height: 32px; border-radius: 16px; background: #dfdfdf; position: relative; vertical-align: middle; }
wx-switch::after { content: ""; position: absolute; top: 2px; left: 2px; width: 28px; height: 28px; border-radius: 50%; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.3); }
wx-switch[checked]::after { left: 22px; }
wx-switch[checked] { background: #04be02; }
/* The phone's frame: status bar, navigation bar, tab bar (drawn by WeChat, not the page). */
.mp-status { position: relative; z-index: 100; height: ${STATUS_BAR}px; background: #fff; }
.mp-nav { position: sticky; top: 0; z-index: 100; height: ${NAV_BAR}px; display: flex; align-items: center; justify-content: center;
  background: #fff; color: #000; font-size: 17px; font-weight: 600; padding: 0 96px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mp-nav span { overflow: hidden; text-overflow: ellipsis; }
.mp-capsule { position: absolute; right: 7px; top: 6px; width: 87px; height: 32px; box-sizing: border-box; border: 1px solid rgba(0,0,0,.12);
  border-radius: 16px; display: flex; align-items: center; justify-content: space-around; font-size: 14px; color: #000; }
.mp-back { position: absolute; left: 12px; top: 10px; font-size: 20px; font-weight: 400; }
.mp-tabbar { position: fixed; left: 0; right: 0; bottom: 0; z-index: 100; height: ${TAB_BAR}px; display: flex; background: #fff;
  border-top: 1px solid rgba(0,0,0,.08); }
.mp-tabbar div { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; font-size: 10px; color: #646566; }
.mp-tabbar div::before { content: ""; width: 22px; height: 22px; margin-bottom: 2px; border-radius: 6px; background: currentColor; opacity: .8; }
.mp-tabbar div.on { color: var(--mp-tab-selected); }
body.mp-with-tabbar main { padding-bottom: ${TAB_BAR}px; }
body.mp-with-tabbar main .main--bar { bottom: ${TAB_BAR}px; }
`

// miniprogram-simulate prefixes a component's classes with its tag (".main--card"); app.wxss
// is the pages' (components keep their own styles), so it gets the page's prefix "main".
function appCss() {
  const source = wxss.getContent(path.join(ROOT, 'app.wxss'))
  return wxss.compile(source, { prefix: 'main' })
}

// ---- DOM --------------------------------------------------------------------------------

// A built-in's properties as the template set them, by their WXML names ("indicator-dots";
// the virtual tree keeps them camel-cased).
function vtAttrs(node) {
  const attrs = (node.__wxElement && node.__wxElement._vt && node.__wxElement._vt.attrs) || []
  return attrs.reduce((all, item) => Object.assign(all, {
    [item.name.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)]: item.value,
  }), {})
}

const FIT = { aspectFill: 'cover', aspectFit: 'contain', scaleToFill: 'fill', widthFix: 'cover', heightFix: 'cover' }

// Built-in components keep their properties on the virtual tree; draw what they show.
function materialize(root, doc) {
  for (const node of Array.from(root.querySelectorAll('wx-image'))) {
    const { src, mode } = vtAttrs(node)
    node.innerHTML = ''
    if (src) {
      const img = doc.createElement('img')
      img.setAttribute('src', PHOTOS.get(src) || src)
      img.setAttribute('style', `object-fit:${FIT[mode] || 'fill'}`)
      node.appendChild(img)
    }
    if (mode === 'widthFix') node.style.height = 'auto'
  }
  for (const node of Array.from(root.querySelectorAll('wx-swiper'))) {
    const attrs = vtAttrs(node)
    const items = node.querySelectorAll(':scope > wx-swiper-item').length
    if (attrs['indicator-dots'] && items > 1) {
      const dots = doc.createElement('div')
      dots.className = 'mp-dots'
      if (attrs['indicator-active-color']) dots.style.setProperty('--mp-dot-active', attrs['indicator-active-color'])
      dots.innerHTML = Array.from({ length: items }, (_, i) => `<i class="${i ? '' : 'on'}"></i>`).join('')
      node.appendChild(dots)
    }
  }
  for (const node of Array.from(root.querySelectorAll('wx-input, wx-textarea'))) {
    const { value, placeholder } = vtAttrs(node)
    if (value) node.textContent = value
    else if (placeholder) node.innerHTML = `<span class="mp-placeholder">${placeholder}</span>`
  }
  for (const node of Array.from(root.querySelectorAll('wx-button, wx-switch'))) {
    const attrs = vtAttrs(node)
    for (const name of ['disabled', 'checked', 'size', 'type', 'plain']) {
      if (attrs[name]) node.setAttribute(name, String(attrs[name]))
    }
  }
}

function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function documentFor({ title, tab, dom, css, theme }) {
  const tabs = ['首页', '分类', '购物车', '我的']
  const tabBar = tab === null ? '' :
    `<div class="mp-tabbar">${tabs.map((label, i) => `<div class="${i === tab ? 'on' : ''}">${label}</div>`).join('')}</div>`
  const back = tab === null ? '<span class="mp-back">‹</span>' : ''
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=${WIDTH}, initial-scale=1">
<title>${escapeHtml(title)} · mini-program</title>
<style>${BUILTINS}</style>
<style>:root { ${theme} --mp-tab-selected: ${COLORS.primary}; }</style>
<style>${css}</style>
<style>${STILL}</style>
</head><body class="${tab === null ? '' : 'mp-with-tabbar'}">
<div class="mp-status"></div>
<div class="mp-nav">${back}<span>${escapeHtml(title)}</span><span class="mp-capsule">··· ◎</span></div>
${dom}
${tabBar}
</body></html>
`
}

async function renderScreen([name, pagePath, query, title, tab, act], outDir) {
  fakeWx.install(ROUTES)
  global.wx.setNavigationBarTitle = () => {}
  global.wx.stopPullDownRefresh = () => {}
  for (const style of Array.from(document.querySelectorAll('head style'))) style.remove()
  const page = await openPage(pagePath, query)
  await settle()
  if (act) {
    act(page)
    await settle()
  }
  const componentCss = Array.from(document.querySelectorAll('head style')).map(style => style.textContent).join('\n')
  const root = page.dom
  materialize(root, document)
  const css = forBrowser(`${appCss()}\n${componentCss}`, HEIGHT - STATUS_BAR - NAV_BAR - (tab === null ? 0 : TAB_BAR))
  const html = documentFor({ title, tab, dom: root.outerHTML, css, theme: themeStyle(COLORS) })
  const file = path.join(outDir, `${name}.html`)
  fs.writeFileSync(file, html)
  page.detach && page.detach()
  return file
}

async function main() {
  const args = process.argv.slice(2)
  const outIndex = args.indexOf('--out')
  const outDir = path.resolve(outIndex >= 0 ? args[outIndex + 1] : '/tmp/mp-screens')
  fs.mkdirSync(outDir, { recursive: true })
  global.getApp = () => ({
    onStore: cb => { cb(STORE); return () => {} },
    refreshStore: () => {},
    globalData: { store: STORE, themeStyle: themeStyle(COLORS) },
  })
  const only = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--out')
  for (const screen of SCREENS) {
    if (only.length && !only.includes(screen[0])) continue
    console.log(await renderScreen(screen, outDir))
  }
}

module.exports = { SCREENS, rpxToPx, forBrowser }

if (require.main === module) {
  main().then(() => process.exit(0), error => {
    console.error(error)
    process.exit(1)
  })
}
