// The SKU picker on a product page: choosing one value per spec finds the SKU, shows its
// price and stock, greys out values that would lead only to sold-out SKUs, and fills the
// form's sku_id. Without JavaScript the page offers a plain <select> instead (noscript).
(function () {
  "use strict";
  var form = document.querySelector("[data-sku-picker]");
  if (!form) return;
  var data = JSON.parse(form.querySelector("[data-skus]").textContent);
  if (data.skus.length < 2) return;
  var priceEl = document.querySelector("[data-price]");
  var hintEl = document.querySelector("[data-price-hint]");
  var marketEl = document.querySelector("[data-market-price]");
  var stockEl = document.querySelector("[data-stock]");
  var skuInput = form.querySelector("[data-sku-id]");
  var message = form.querySelector("[data-picker-message]");
  var quantity = form.querySelector("input[name=quantity]");
  var buttons = form.querySelectorAll(".buy-bar button");
  var lowest = Math.min.apply(null, data.skus.map(function (s) { return s.price; }));
  var skuImage = document.querySelector("[data-sku-image]");

  function money(fen) {
    return "¥" + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }
  function stockText(n) {
    return n > 0 ? form.dataset.textInStock.replace("999999", n) : form.dataset.textSoldOut;
  }
  function chosen() {
    return data.specs.map(function (_spec, i) {
      var checked = form.querySelector("input[name=spec_" + i + "]:checked");
      return checked ? checked.value : null;
    });
  }
  function matches(sku, values, skip) {
    return values.every(function (value, i) { return i === skip || value === null || sku.values[i] === value; });
  }
  function update() {
    var values = chosen();
    // A value is available if some in-stock SKU has it together with the other choices.
    data.specs.forEach(function (_spec, i) {
      form.querySelectorAll("input[name=spec_" + i + "]").forEach(function (input) {
        var trial = values.slice(); trial[i] = input.value;
        var available = data.skus.some(function (sku) { return sku.stock > 0 && matches(sku, trial, -1); });
        input.parentElement.classList.toggle("unavailable", !available);
      });
    });
    var missing = data.specs.filter(function (_spec, i) { return values[i] === null; });
    var sku = missing.length ? null : data.skus.find(function (s) { return matches(s, values, -1); });
    skuInput.value = sku ? sku.id : "";
    if (sku) {
      priceEl.textContent = money(sku.price);
      if (hintEl) hintEl.hidden = true;
      marketEl.hidden = !sku.market_price;
      marketEl.textContent = sku.market_price ? money(sku.market_price) : "";
      stockEl.textContent = stockText(sku.stock);
      quantity.max = Math.max(1, Math.min(sku.stock, 999));
      if (+quantity.value > +quantity.max) quantity.value = quantity.max;
      message.textContent = sku.stock > 0 ? "" : form.dataset.textSoldOut;
    } else {
      priceEl.textContent = money(lowest);
      if (hintEl) hintEl.hidden = false;
      marketEl.hidden = true;
      message.textContent = "";
    }
    buttons.forEach(function (button) { button.disabled = !!sku && sku.stock < 1; });
    showSkuImage(sku);
  }
  // The chosen SKU's own picture leads the gallery while that SKU is chosen.
  function showSkuImage(sku) {
    if (!skuImage) return;
    var image = sku && sku.image;
    skuImage.hidden = !image;
    if (image && skuImage.getAttribute("src") !== image) skuImage.src = image;
    if (image) skuImage.parentElement.scrollLeft = 0;
  }
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) {
    var values = chosen();
    var missing = data.specs.filter(function (_spec, i) { return values[i] === null; });
    if (missing.length) {
      event.preventDefault();
      message.textContent = form.dataset.textChoose.replace("SPEC", missing[0].name);
    }
  });
  update();
})();
