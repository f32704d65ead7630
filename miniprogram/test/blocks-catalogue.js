// What ../themes/blocks/ declares, read from each block.py as the Python registry would load
// it: the type's name, the child type it nests (child_type=) and whether it only lives nested.
const fs = require('fs')
const path = require('path')

const THEME_BLOCKS = path.resolve(__dirname, '..', '..', 'themes', 'blocks')
const COMPONENT_BLOCKS = path.resolve(__dirname, '..', 'components', 'blocks')

function blockTypes() {
  return fs.readdirSync(THEME_BLOCKS)
    .filter(name => fs.existsSync(path.join(THEME_BLOCKS, name, 'block.py')))
    .sort()
    .map(folder => {
      const source = fs.readFileSync(path.join(THEME_BLOCKS, folder, 'block.py'), 'utf8')
      const registered = source.slice(source.indexOf('register(BlockType('))
      const name = (/name="([a-z_]+)"/.exec(registered) || [])[1]
      const child = (/child_type="([a-z_]+)"/.exec(registered) || [])[1] || null
      return { folder, name, childType: child, nestedOnly: /nested_only=True/.test(registered) }
    })
}

function componentFolders() {
  return fs.readdirSync(COMPONENT_BLOCKS, { withFileTypes: true })
    .filter(entry => entry.isDirectory())
    .map(entry => entry.name)
    .sort()
}

const tagOf = type => `block-${type.replace(/_/g, '-')}`

module.exports = { blockTypes, componentFolders, tagOf, THEME_BLOCKS, COMPONENT_BLOCKS }
