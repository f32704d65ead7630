// A block's link, written by the merchant for the H5 store ("/products/12", "/c/3",
// "/search?q=茶", "/me/coupons" …), as the page of this template that shows the same thing.
const TAB_PAGES = ['/pages/home/home', '/pages/category/category', '/pages/cart/cart', '/pages/member/member']

const ROUTES = [
  [/^\/$/, () => '/pages/home/home'],
  [/^\/products\/(\d+)$/, m => `/pages/product/product?id=${m[1]}`],
  [/^\/products$/, () => '/pages/category/category'],
  [/^\/c\/(\d+)$/, m => `/pages/search/search?category_id=${m[1]}`],
  [/^\/search$/, (m, query) => `/pages/search/search${query ? '?' + query : ''}`],
  [/^\/cart$/, () => '/pages/cart/cart'],
  [/^\/me$/, () => '/pages/member/member'],
  [/^\/me\/coupons$/, () => '/pages/coupons/coupons?tab=mine'],
  [/^\/coupons$/, () => '/pages/coupons/coupons'],
  [/^\/me\/addresses$/, () => '/pages/addresses/addresses'],
  [/^\/me\/distribution$/, () => '/pages/distribution/distribution'],
  [/^\/me\/top-up$/, () => '/pages/member/member?topup=1'],
  [/^\/orders$/, () => '/pages/orders/orders'],
  [/^\/orders\/([\w-]+)$/, m => `/pages/order/order?no=${m[1]}`],
  [/^\/teams\/(\d+)$/, m => `/pages/group-buy/group-buy?team=${m[1]}`],
  [/^\/group-buys$/, () => '/pages/group-buy/group-buy'],
  [/^\/bargains\/(\d+)$/, m => `/pages/bargain/bargain?session=${m[1]}`],
  [/^\/bargains$/, () => '/pages/bargain/bargain'],
  [/^\/flash-sale$/, () => '/pages/flash-sale/flash-sale'],
  [/^\/p\/([a-z0-9-]+)$/, m => `/pages/page/page?slug=${m[1]}`],
]

// '' when the link has no page here (an outside address, tel:, an unknown path).
function routeFor(link) {
  if (!link || typeof link !== 'string' || link[0] !== '/' || link[1] === '/') return ''
  const [rawPath, query] = link.split('?')
  const path = rawPath.replace(/\/+$/, '') || '/'
  for (const [pattern, make] of ROUTES) {
    const match = pattern.exec(path)
    if (match) return make(match, query)
  }
  return ''
}

function open(link) {
  const url = routeFor(link)
  if (!url) {
    if (/^https?:\/\//.test(link || '')) {
      wx.setClipboardData({ data: link })
    }
    return false
  }
  const path = url.split('?')[0]
  if (TAB_PAGES.includes(path)) wx.switchTab({ url: path })
  else wx.navigateTo({ url })
  return true
}

// "/media/1/a.jpg" (an upload kept in a block's settings) → the store's absolute address.
function absolute(url, origin) {
  if (!url) return ''
  if (/^https?:\/\//.test(url)) return url
  if (url[0] === '/' && url[1] !== '/') return origin + url
  return ''
}

module.exports = { routeFor, open, absolute, TAB_PAGES }
