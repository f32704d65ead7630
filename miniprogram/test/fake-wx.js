// The wx.* calls the template makes, answered in memory: wx.request by a table of
// "METHOD /path" → [status, body] (what the API would answer), storage in a Map, and every
// toast and navigation recorded for the test to look at.
const API_BASE = 'http://demo.localhost:5000/api/v1'

function install(routes = {}) {
  const calls = { requests: [], toasts: [], navigations: [], logins: 0 }
  const storage = new Map()
  const answers = Object.assign({}, routes)
  const wx = global.wx
  Object.assign(wx, {
    getExtConfigSync: () => ({}),
    getStorageSync: key => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: key => storage.delete(key),
    showToast: options => calls.toasts.push(options.title),
    navigateTo: options => calls.navigations.push(options.url),
    redirectTo: options => calls.navigations.push(options.url),
    setTabBarBadge: () => {},
    removeTabBarBadge: () => {},
    switchTab: options => calls.navigations.push(options.url),
    login: options => {
      calls.logins += 1
      options.success({ code: `code-${calls.logins}` })
    },
    request: options => {
      const path = options.url.slice(API_BASE.length).split('?')[0]
      const key = `${options.method} ${path}`
      calls.requests.push({ key, header: options.header, data: options.data })
      let answer = answers[key]
      if (typeof answer === 'function') answer = answer(options, calls)
      const [statusCode, data] = answer || [404, { status: 404, code: 'not_found', detail: '未找到' }]
      setTimeout(() => options.success({ statusCode, data }), 0)
    },
  })
  return { calls, storage, answers }
}

module.exports = { install, API_BASE }
