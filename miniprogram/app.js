// The store this template serves comes from ext.json (utils/config.js); its name, logo and
// colours are refreshed from GET /store on every launch and kept for the next one, so a theme
// switched in the console shows without a new release.
const { storeConfig } = require('./utils/config.js')
const { api, setConsentGate } = require('./utils/api.js')
const { askBeforeSignIn, rememberConsent } = require('./utils/consent.js')
const { themeStyle, primaryOf } = require('./utils/theme.js')
const { setOpening } = require('./utils/visitor.js')
const { flush } = require('./utils/track.js')

const STORE_KEY = 'duoshop.store'
const TAB_KEYS = ['home', 'categories', 'cart', 'me']

App({
  globalData: { store: null, themeStyle: '' },
  listeners: [],

  onLaunch(options) {
    setOpening(options)
    setConsentGate(askBeforeSignIn, rememberConsent)  // the privacy policy is agreed before a first sign-in
    const config = storeConfig()
    const fromExt = { name: config.storeName, logo_url: config.logoUrl, theme: config.theme, colors: config.colors }
    const cached = wx.getStorageSync(STORE_KEY)
    this.setStore(Object.assign(fromExt, cached && typeof cached === 'object' ? cached : {}))
    this.refreshStore()
  },

  // Opened again (from a chat card, Moments …): the new scene is the channel from now on.
  onShow(options) {
    setOpening(options)
  },

  onHide() {
    flush()
  },

  refreshStore() {
    return api.get('/store', undefined, { silent: true }).then(store => {
      wx.setStorageSync(STORE_KEY, store)
      this.setStore(store)
      return store
    }).catch(() => this.globalData.store)
  },

  setStore(store) {
    this.globalData.store = store
    this.globalData.themeStyle = themeStyle(store.colors)
    this.applyTabBar(store)
    this.listeners.forEach(listener => listener(store))
  },

  // The tab bar takes the theme's primary colour and the merchant's own tab labels.
  applyTabBar(store) {
    if (!wx.setTabBarStyle) return
    wx.setTabBarStyle({ selectedColor: primaryOf(store.colors), fail() {} })
    const tabs = store.tab_bar && Array.isArray(store.tab_bar.tabs) ? store.tab_bar.tabs : []
    tabs.forEach(tab => {
      const index = TAB_KEYS.indexOf(tab.key)
      if (index >= 0 && tab.label) wx.setTabBarItem({ index, text: tab.label, fail() {} })
    })
  },

  // listener(store) now and on every change; returns the function that stops it.
  onStore(listener) {
    this.listeners.push(listener)
    if (this.globalData.store) listener(this.globalData.store)
    return () => {
      this.listeners = this.listeners.filter(other => other !== listener)
    }
  },
})
