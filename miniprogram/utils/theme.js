// Theme colours as CSS variables on each page's root view. They start from ext.json and are
// replaced by GET /store's, so a theme switched in the console reaches the mini-program on its
// next launch without a new release.
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/
const DEFAULT_PRIMARY = '#ee0a24'

// {primary: '#c00', price_text: '#333'} → '--color-primary:#c00;--color-price-text:#333;'
function themeStyle(colors) {
  const all = Object.assign({ primary: DEFAULT_PRIMARY }, colors || {})
  return Object.keys(all)
    .filter(key => /^[a-z][a-z0-9_]*$/.test(key) && COLOR.test(String(all[key])))
    .sort()
    .map(key => `--color-${key.replace(/_/g, '-')}:${all[key]};`)
    .join('')
}

function primaryOf(colors) {
  const primary = colors && colors.primary
  return COLOR.test(String(primary)) ? primary : DEFAULT_PRIMARY
}

module.exports = { themeStyle, primaryOf, DEFAULT_PRIMARY }
