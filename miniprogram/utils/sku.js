// The spec chooser of the product page: specs [{name, values}] and SKUs whose spec_values are
// in the specs' order. Which SKU the choice names, and which values can still be chosen
// (some SKU in stock has it together with the other choices made).
function matches(sku, chosen, skipIndex) {
  return chosen.every((value, index) => index === skipIndex || !value || sku.spec_values[index] === value)
}

function chooser(specs, skus, chosen) {
  const inStock = (skus || []).filter(sku => sku.stock > 0)
  const rows = (specs || []).map((spec, index) => ({
    name: spec.name,
    values: spec.values.map(value => ({
      value,
      on: chosen[index] === value,
      off: !inStock.some(sku => sku.spec_values[index] === value && matches(sku, chosen, index)),
    })),
  }))
  const complete = (specs || []).every((spec, index) => chosen[index])
  const sku = complete ? (skus || []).find(one => matches(one, chosen, -1)) || null : null
  return { rows, sku }
}

// A product with one SKU and no specs: that SKU is chosen from the start.
function initialChoice(product) {
  const specs = product.specs || []
  const skus = product.skus || []
  if (!specs.length && skus.length === 1) return { chosen: [], sku: skus[0] }
  if (skus.filter(sku => sku.stock > 0).length === 1 && specs.length) {
    const only = skus.find(sku => sku.stock > 0)
    return { chosen: only.spec_values.slice(), sku: only }
  }
  return { chosen: specs.map(() => ''), sku: null }
}

module.exports = { chooser, initialChoice }
