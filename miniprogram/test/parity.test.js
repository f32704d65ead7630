// The rule: every block type in ../themes/blocks/ has a component of the same name in
// components/blocks/ (with its .js, .json, .wxml and .wxss), nested types included, and
// no component is there for a type that does not exist. The page renderer has a branch for
// every type that can stand on a page; a nested type (slide, nav_link, footer_link) is drawn
// by its parent, which therefore uses the child's component.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const { blockTypes, componentFolders, tagOf, COMPONENT_BLOCKS } = require('./blocks-catalogue.js')

const ROOT = path.resolve(__dirname, '..')
const types = blockTypes()
const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'))

test('the theme has block types to compare with', () => {
  assert.ok(types.length >= 20, `only ${types.length} block types found`)
  for (const type of types) assert.strictEqual(type.name, type.folder, `${type.folder}/block.py registers ${type.name}`)
})

test('every block type has a component, and every component a block type', () => {
  const names = types.map(type => type.name)
  const folders = componentFolders()
  assert.deepStrictEqual(names.filter(name => !folders.includes(name)), [], 'block types without a mini-program component')
  assert.deepStrictEqual(folders.filter(name => !names.includes(name)), [], 'components for no block type')
})

test('each component is complete', () => {
  for (const { name } of types) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      assert.ok(fs.existsSync(path.join(COMPONENT_BLOCKS, name, `${name}.${ext}`)), `${name}/${name}.${ext} is missing`)
    }
    assert.strictEqual(readJson(path.join(COMPONENT_BLOCKS, name, `${name}.json`)).component, true, `${name}.json`)
  }
})

test('the page renderer has a branch for every type that stands on a page, none for nested ones', () => {
  const using = readJson(path.join(ROOT, 'components/page-renderer/page-renderer.json')).usingComponents
  const wxml = fs.readFileSync(path.join(ROOT, 'components/page-renderer/page-renderer.wxml'), 'utf8')
  for (const type of types) {
    const branch = `item.type === '${type.name}'`
    if (type.nestedOnly) {
      assert.ok(!(tagOf(type.name) in using), `${type.name} is nested only`)
      assert.ok(!wxml.includes(branch), `${type.name} is nested only`)
    } else {
      assert.strictEqual(using[tagOf(type.name)], `../blocks/${type.name}/${type.name}`)
      assert.ok(wxml.includes(branch), `no branch for ${type.name}`)
    }
  }
})

test('a parent block draws its children with their own component', () => {
  const parents = types.filter(type => type.childType)
  assert.ok(parents.length >= 3)
  for (const parent of parents) {
    const using = readJson(path.join(COMPONENT_BLOCKS, parent.name, `${parent.name}.json`)).usingComponents || {}
    assert.strictEqual(using[tagOf(parent.childType)], `../${parent.childType}/${parent.childType}`, parent.name)
    const wxml = fs.readFileSync(path.join(COMPONENT_BLOCKS, parent.name, `${parent.name}.wxml`), 'utf8')
    assert.ok(wxml.includes(`<${tagOf(parent.childType)} `), `${parent.name} never draws ${parent.childType}`)
  }
  for (const nested of types.filter(type => type.nestedOnly)) {
    assert.ok(parents.some(parent => parent.childType === nested.name), `${nested.name} has no parent`)
  }
})
