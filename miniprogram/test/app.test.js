// The template as a whole: every page app.json lists exists, every WXML file compiles with
// WeChat's own compiler (wcc), and every component a file uses is there.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const compiler = require('miniprogram-compiler')

const ROOT = path.resolve(__dirname, '..')
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

function jsonFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return jsonFiles(full)
    return entry.name.endsWith('.json') ? [full] : []
  })
}

test('every page in app.json has its .js and .wxml, and every tab is a page', () => {
  for (const page of app.pages) {
    for (const ext of ['js', 'wxml']) assert.ok(fs.existsSync(path.join(ROOT, `${page}.${ext}`)), `${page}.${ext}`)
  }
  for (const tab of app.tabBar.list) assert.ok(app.pages.includes(tab.pagePath), tab.pagePath)
})

test('every WXML file compiles with wcc', () => {
  const source = compiler.wxmlToJs(ROOT)
  assert.ok(source.includes('$gwx'))
})

test('every component a page or component uses exists', () => {
  const files = jsonFiles(path.join(ROOT, 'pages')).concat(jsonFiles(path.join(ROOT, 'components')))
  for (const file of files) {
    const using = JSON.parse(fs.readFileSync(file, 'utf8')).usingComponents || {}
    for (const [tag, target] of Object.entries(using)) {
      const base = target.startsWith('/') ? path.join(ROOT, target) : path.resolve(path.dirname(file), target)
      assert.ok(fs.existsSync(`${base}.js`) && fs.existsSync(`${base}.json`), `${path.relative(ROOT, file)}: ${tag} → ${target}`)
    }
  }
})

test('ext.json has what the template reads', () => {
  const ext = JSON.parse(fs.readFileSync(path.join(ROOT, 'ext.json'), 'utf8'))
  assert.strictEqual(ext.extEnable, true)
  for (const key of ['api_base', 'store_host', 'store_name', 'logo_url', 'theme', 'colors']) assert.ok(key in ext.ext, key)
  assert.match(ext.ext.colors.primary, /^#[0-9a-f]{6}$/i)
})
