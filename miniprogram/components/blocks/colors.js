// A merchant's own colours as an inline style; anything that is not a colour is left out.
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/

function colorStyle(properties) {
  return Object.keys(properties)
    .filter(name => COLOR.test(String(properties[name] || '')))
    .map(name => `${name}:${properties[name]};`)
    .join('')
}

module.exports = { colorStyle, COLOR }
