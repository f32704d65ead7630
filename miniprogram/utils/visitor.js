// Who is browsing, for the dashboard: a random id this client makes once and keeps (never
// derived from the member), and WeChat's scene value the mini-program was opened with (the
// channel: a chat, Moments, an Official Account article …), or the channel a merchant's share
// link names (its path's ?utm_source=…, made by the console's link builder), which wins.
// api.js sends them on every call.
const VISITOR_KEY = 'duoshop.visitor'
const VISITOR_ID = /^[A-Za-z0-9_-]{8,40}$/

const CHANNELS = ['mp_article', 'miniprogram', 'group', 'moments', 'direct']

let scene = null
let source = null

function visitorId() {
  let id = wx.getStorageSync(VISITOR_KEY)
  if (typeof id !== 'string' || !VISITOR_ID.test(id)) {
    id = `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`
    wx.setStorageSync(VISITOR_KEY, id)
  }
  return id
}

function setScene(value) {
  const number = Number(value)
  scene = Number.isInteger(number) && number >= 1000 && number <= 99999 ? number : null
}

function currentScene() {
  return scene
}

// App's onLaunch/onShow options: the scene, and the page's query when it names a channel.
function setOpening(options) {
  setScene(options && options.scene)
  const named = options && options.query && options.query.utm_source
  source = CHANNELS.indexOf(named) >= 0 ? named : null
}

function currentSource() {
  return source
}

module.exports = { visitorId, setScene, currentScene, setOpening, currentSource, VISITOR_KEY }
