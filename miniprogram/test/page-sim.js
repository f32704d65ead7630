// Pages under miniprogram-simulate: a Page({...}) definition becomes a component (its handlers
// methods, its other fields copied onto the instance, as Page does), rendered with its own
// wxml/wxss; getApp() answers a store; onLoad/onShow are called by the test as WeChat would.
const path = require('path')
const { simulate, ROOT } = require('./simulate.js')

function asComponent(definition) {
  const methods = {}
  const fields = {}
  for (const [key, value] of Object.entries(definition)) {
    if (key === 'data') continue
    if (typeof value === 'function') methods[key] = value
    else fields[key] = value
  }
  return {
    data: definition.data || {},
    methods,
    lifetimes: {
      created() {
        Object.assign(this, JSON.parse(JSON.stringify(fields)))
      },
    },
  }
}

global.Page = definition => global.Component(asComponent(definition))
global.getApp = () => ({ onStore: cb => { cb({ name: 'demo' }); return () => {} }, globalData: { themeStyle: '' } })

// Lets the fake answers (each a setTimeout) and the requests they lead to land.
const settle = () => simulate.sleep(40)

// openPage('pages/cart/cart', {no: 'X'}) → the rendered page, onLoad(query) and onShow() called.
async function openPage(pagePath, query = {}) {
  const page = simulate.render(simulate.load(path.join(ROOT, pagePath), 'main', { rootPath: ROOT }))
  page.attach(document.createElement('parent-wrapper'))
  if (page.instance.onLoad) page.instance.onLoad(query)
  if (page.instance.onShow) page.instance.onShow()
  await settle()
  return page
}

module.exports = { openPage, settle }
