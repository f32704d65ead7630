// What the shopper browses, for the store's dashboard: page and product views, searches and
// shares, sent in batches of at most 20 to POST /api/v1/events (silently: analytics never
// bothers the shopper). Cart, checkout, orders and coupons are recorded by the server.
const { api } = require('./api.js')
const { visitorId, currentScene, currentSource } = require('./visitor.js')

const MAX_BATCH = 20
const WAIT_MS = 2000

let queue = []
let timer = null

function track(kind, fields) {
  queue.push(Object.assign({ kind }, fields || {}))
  if (queue.length >= MAX_BATCH) return flush()
  if (!timer) timer = setTimeout(flush, WAIT_MS)
  return Promise.resolve()
}

function flush() {
  if (timer) clearTimeout(timer)
  timer = null
  if (!queue.length) return Promise.resolve()
  const events = queue.slice(0, MAX_BATCH)
  queue = queue.slice(MAX_BATCH)
  const body = { visitor_id: visitorId(), events }
  const scene = currentScene()
  if (scene) body.scene = scene
  if (currentSource()) body.utm_source = currentSource()
  return api.post('/events', body, { silent: true }).catch(() => {})
}

function pending() {
  return queue.slice()
}

module.exports = { track, flush, pending, MAX_BATCH }
