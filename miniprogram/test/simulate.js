// miniprogram-simulate under node's own test runner: jsdom provides the DOM j-component renders
// into (jest's jsdom environment would do the same with many more packages).
const path = require('path')
const { JSDOM } = require('jsdom')

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'https://servicewechat.test/' })
// Node has its own Event, EventTarget and CustomEvent; j-component needs the DOM's.
const DOM_FIRST = ['Event', 'EventTarget', 'CustomEvent']
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (!(key in global) || DOM_FIRST.includes(key)) global[key] = dom.window[key]
}
global.window = dom.window
global.document = dom.window.document

const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..')

// Loads a component of this template by its path from the root ("components/blocks/notice/notice").
function load(componentPath, tagName) {
  return simulate.load(path.join(ROOT, componentPath), tagName || 'main', { rootPath: ROOT })
}

function render(componentPath, properties) {
  const component = simulate.render(load(componentPath), properties)
  component.attach(document.createElement('parent-wrapper'))
  return component
}

// Every element of a rendered component with the class `className`, however deep (the
// simulator prefixes each component's classes with its tag name: "main--blk-price").
function all(component, className) {
  const root = component.dom || component
  return Array.from(root.querySelectorAll('*')).filter(node =>
    Array.from(node.classList).some(name => name === className || name.endsWith(`--${className}`)))
}

// A built-in component's property as the template set it (an <image>'s src, an <input>'s
// placeholder): kept on the node's virtual tree, not as a DOM attribute.
function attr(node, name) {
  const found = ((node.__wxElement && node.__wxElement._vt && node.__wxElement._vt.attrs) || [])
    .find(item => item.name === name)
  return found ? found.value : node.getAttribute(name)
}

function text(component, className) {
  return all(component, className).map(node => node.textContent.trim())
}

// Taps the first node matching `selector` (the component's own class names) and lets the
// handler and any request it starts settle.
async function tap(component, selector, index = 0) {
  const nodes = component.querySelectorAll(selector)
  if (!nodes[index]) throw new Error(`nothing matches ${selector} [${index}]`)
  nodes[index].dispatchEvent('tap')
  await simulate.sleep(5)
}

module.exports = { simulate, load, render, all, attr, text, tap, ROOT }
