// The one way the template talks to /api/v1: the store's AppID on every call, the member's
// bearer token when there is one, a single re-sign-in on a 401, and every problem+json
// (RFC 9457) answer shown to the shopper as a toast with its Chinese `detail`.
const { storeConfig } = require('./config.js')
const { visitorId, currentScene, currentSource } = require('./visitor.js')

const TOKEN_KEY = 'duoshop.token'
const FALLBACK_TEXT = '网络开小差了，请稍后再试'

class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(problem))
    this.status = status
    this.code = (problem && problem.code) || ''
    this.problem = problem || {}
  }
}

// The words a shopper should see for an error answer: the problem's detail, else its title.
function problemText(body) {
  if (body && typeof body === 'object') {
    if (typeof body.detail === 'string' && body.detail.trim()) return body.detail.trim()
    if (typeof body.title === 'string' && body.title.trim()) return body.title.trim()
  }
  return FALLBACK_TEXT
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch (e) {
    return null
  }
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

function setToken(token) {
  if (token) wx.setStorageSync(TOKEN_KEY, token)
  else wx.removeStorageSync(TOKEN_KEY)
}

function send(method, path, data, withToken) {
  const config = storeConfig()
  const header = { 'Accept-Language': 'zh-CN', Accept: 'application/json' }
  if (config.appid) header['X-Duoshop-AppID'] = config.appid
  const token = withToken ? getToken() : ''
  if (token) header.Authorization = `Bearer ${token}`
  header['X-Duoshop-Visitor'] = visitorId()
  if (currentScene()) header['X-Duoshop-Scene'] = String(currentScene())
  if (currentSource()) header['X-Duoshop-Source'] = currentSource()
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.apiBase + path,
      method,
      data,
      header,
      success: res => resolve({ status: res.statusCode, body: parseBody(res.data) }),
      fail: err => reject(new ApiError(0, { detail: FALLBACK_TEXT, code: 'network', errMsg: err && err.errMsg })),
    })
  })
}

function wxLogin() {
  const { devLoginUrl, appid } = storeConfig()
  if (devLoginUrl) return sandboxLogin(devLoginUrl, appid)
  return new Promise((resolve, reject) => {
    wx.login({
      success: res => (res.code ? resolve(res.code) : reject(new ApiError(0, { detail: '微信登录失败' }))),
      fail: () => reject(new ApiError(0, { detail: '微信登录失败' })),
    })
  })
}

function sandboxLogin(url, appid) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'POST',
      data: { appid, nickname: '开发者' },
      header: { 'content-type': 'application/x-www-form-urlencoded' },
      success: res => (res.data && res.data.code ? resolve(res.data.code) : reject(new ApiError(0, { detail: '沙箱登录失败' }))),
      fail: () => reject(new ApiError(0, { detail: '沙箱登录失败' })),
    })
  })
}

let signingIn = null
// Before a sign-in: the consents to send with it ({policy_version, marketing, profiling}), null
// for none, or a rejection when the shopper has not agreed yet. app.js installs the real one
// (utils/consent.js); by default a sign-in asks nothing.
let consentGate = () => Promise.resolve(null)
let afterSignIn = () => {}

function setConsentGate(gate, after) {
  consentGate = gate
  afterSignIn = after || (() => {})
}

// wx.login → POST /session (with the consents the shopper just gave, if any); one sign-in at a
// time however many calls are waiting for it.
function signIn(consents) {
  if (!signingIn) {
    let given = null
    signingIn = (consents ? Promise.resolve(consents) : consentGate())
      .then(choices => {
        given = choices
        return wxLogin()
      })
      .then(code => send('POST', '/session', given ? { code, consents: given } : { code }, false))
      .then(({ status, body }) => {
        if (status !== 200 && status !== 201) throw new ApiError(status, body)
        setToken(body.token)
        afterSignIn(body, given)
        return body.member
      })
      .finally(() => {
        signingIn = null
      })
  }
  return signingIn
}

function toast(text) {
  wx.showToast({ title: text, icon: 'none', duration: 2500 })
}

/**
 * request('GET', '/products', {limit: 10}) → the JSON body.
 * options.silent: reject without a toast (the caller shows the problem itself).
 */
function request(method, path, data, options = {}) {
  const attempt = retried => send(method, path, data, true).then(({ status, body }) => {
    if (status >= 200 && status < 300) return body
    if (status === 401 && !retried) {
      setToken('')
      return signIn().then(() => attempt(true))
    }
    throw new ApiError(status, body)
  })
  return attempt(false).catch(error => {
    const err = error instanceof ApiError ? error : new ApiError(0, null)
    if (!options.silent) toast(err.message)
    throw err
  })
}

const api = {
  get: (path, data, options) => request('GET', path, data, options),
  post: (path, data, options) => request('POST', path, data || {}, options),
  put: (path, data, options) => request('PUT', path, data || {}, options),
  patch: (path, data, options) => request('PATCH', path, data || {}, options),
  del: (path, options) => request('DELETE', path, undefined, options),
}

// A client-made idempotency key for POST /orders: a retry answers the same order.
function requestId() {
  const random = Math.random().toString(36).slice(2, 10)
  return `mp-${Date.now().toString(36)}-${random}`
}

module.exports = { api, request, signIn, setConsentGate, problemText, ApiError, getToken, setToken, requestId, TOKEN_KEY }

// A list answer's items, whether the endpoint pages ({items, next_cursor}) or not.
function itemsOf(body) {
  if (Array.isArray(body)) return body
  return (body && Array.isArray(body.items) && body.items) || []
}

module.exports.itemsOf = itemsOf
