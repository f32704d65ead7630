// A theme switched in the console reaches the mini-program without a new release: the app
// starts from ext.json's colours (or the last /store it saw), then GET /store's replace them
// on every page's root and the tab bar.
const test = require('node:test')
const assert = require('node:assert')
require('./simulate.js')
const fakeWx = require('./fake-wx.js')

function launch(ext) {
  let definition = null
  global.App = given => {
    definition = given
  }
  delete require.cache[require.resolve('../app.js')]
  require('../app.js')
  const styles = []
  global.wx.getExtConfigSync = () => ext
  global.wx.setTabBarStyle = options => styles.push(options.selectedColor)
  global.wx.setTabBarItem = options => styles.push(`${options.index}:${options.text}`)
  const app = Object.assign(Object.create(definition), { listeners: [], globalData: { store: null, themeStyle: '' } })
  return { app, styles }
}

const EXT = { api_base: 'http://demo.localhost:5000/api/v1', store_name: '茶小铺', colors: { primary: '#111111' } }

test('ext.json colours first, then GET /store\'s everywhere', async () => {
  const { storage } = fakeWx.install({
    'GET /store': [200, { slug: 'tea', name: '茶小铺', logo_url: '', theme: 'boutique', colors: { primary: '#07c160', accent: '#ff976a' },
      tab_bar: { enabled: true, tabs: [{ key: 'home', label: '逛逛' }, { key: 'me', label: '' }] } }],
  })
  const { app, styles } = launch(EXT)
  const seen = []
  app.onLaunch()
  app.onStore(store => seen.push(app.globalData.themeStyle))
  assert.strictEqual(app.globalData.themeStyle, '--color-primary:#111111;')
  await new Promise(resolve => setTimeout(resolve, 10))
  assert.strictEqual(app.globalData.themeStyle, '--color-accent:#ff976a;--color-primary:#07c160;')
  assert.deepStrictEqual(seen, ['--color-primary:#111111;', '--color-accent:#ff976a;--color-primary:#07c160;'])
  assert.deepStrictEqual(styles, ['#111111', '#07c160', '0:逛逛'])
  assert.strictEqual(storage.get('duoshop.store').theme, 'boutique')
})

test('the next launch starts from the last /store seen, even offline', async () => {
  const { storage } = fakeWx.install({ 'GET /store': [503, { status: 503, detail: '维护中' }] })
  storage.set('duoshop.store', { name: '茶小铺', colors: { primary: '#07c160' } })
  const { app } = launch(EXT)
  app.onLaunch()
  await new Promise(resolve => setTimeout(resolve, 10))
  assert.strictEqual(app.globalData.themeStyle, '--color-primary:#07c160;')
  assert.strictEqual(app.globalData.store.name, '茶小铺')
})
