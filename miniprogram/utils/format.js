// Display only: money arrives in fen and is shown as it is given; the client adds nothing up.
function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return ''
  const value = Number(fen)
  if (!Number.isFinite(value)) return ''
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(Math.round(value))
  const cents = abs % 100
  return `${sign}¥${Math.floor(abs / 100)}${cents ? '.' + String(cents).padStart(2, '0') : ''}`
}

// A discount line's amount (the quote gives what comes off, in fen) as a deduction: -¥7.50.
function deduction(fen) {
  const text = yuan(Math.abs(Number(fen)))
  return text ? `-${text}` : ''
}

function coverOf(product) {
  const images = (product && product.images) || []
  if (!images.length) return ''
  return images[0].thumbnail_url || images[0].url || ''
}

// A product as every list shows it: picture, title, price text.
function productCard(product) {
  return {
    id: product.id,
    title: product.title,
    initial: (product.title || '').slice(0, 1),
    cover: coverOf(product),
    price: yuan(product.price),
  }
}

// An API moment (ISO 8601 with its offset) as a shopper in China reads it, whatever zone the
// phone is set to: 2026-12-05T08:22:10.619473+00:00 → 2026-12-05 16:22.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/
const CHINA_OFFSET_MINUTES = 8 * 60

function dateTime(iso) {
  if (!iso) return ''
  const m = ISO.exec(String(iso))
  if (!m) return String(iso).replace('T', ' ').slice(0, 16)
  let offset = 0  // minutes east of UTC the moment was written in
  if (m[7] && m[7] !== 'Z') offset = (m[7][0] === '-' ? -1 : 1) * (Number(m[7].slice(1, 3)) * 60 + Number(m[7].slice(4, 6)))
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) - offset * 60000
  const d = new Date(utc + CHINA_OFFSET_MINUTES * 60000)
  const pad = n => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

// A coupon in the H5 strip's words: 减 N% / ¥5, and 满 ¥50 可用 / 最多减 ¥20 / 无门槛.
function couponText(coupon) {
  const percent = coupon.kind === 'percent_off'
  let rule = '无门槛'
  if (coupon.min_spend) rule = `满 ${yuan(coupon.min_spend)} 可用`
  else if (percent && coupon.value) rule = `最多减 ${yuan(coupon.value)}`
  return { title: coupon.title, value: percent ? `减 ${coupon.percent_off}%` : yuan(coupon.value), rule }
}

module.exports = { yuan, deduction, coverOf, productCard, dateTime, couponText }
