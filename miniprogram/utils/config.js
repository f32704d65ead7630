// Which store this copy of the template serves: ext.json's `ext` (written per store by the
// platform when it commits the template), else the development store of config/dev.js.
const DEV = require('../config/dev.js')

function readExt() {
  try {
    const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : null
    return ext && ext.api_base ? ext : null
  } catch (e) {
    return null
  }
}

function accountAppid() {
  try {
    const appid = wx.getAccountInfoSync().miniProgram.appId
    return /^wx[0-9a-f]{16}$/.test(appid) ? appid : ''
  } catch (e) {
    return ''
  }
}

function storeConfig() {
  const ext = readExt()
  const source = ext || DEV
  const apiBase = String(source.api_base).replace(/\/+$/, '')
  return {
    fromExt: Boolean(ext),
    apiBase,
    origin: apiBase.replace(/^(https?:\/\/[^/]+).*$/, '$1'),
    appid: source.appid || (ext ? accountAppid() : ''),
    storeHost: source.store_host || '',
    storeName: source.store_name || '',
    logoUrl: source.logo_url || '',
    theme: source.theme || 'default',
    colors: Object.assign({}, source.colors || {}),
    // Development only: the WeChat sandbox of `make run` mints the code wx.login would give,
    // since real codes from the developer tools mean nothing to it. A released ext.json has none.
    devLoginUrl: source.dev_login_url || '',
  }
}

module.exports = { storeConfig }
