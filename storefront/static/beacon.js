/* Counts a store page as shown, once, without slowing it: the page itself may come whole from
   the cache (no database touched), so this fire-and-forget beacon tells /t which page it was,
   the product on it and the link's utm_source. No answer is awaited or read. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) return;
  var data = new URLSearchParams();
  data.set("page", script.getAttribute("data-page") || "other");
  var product = script.getAttribute("data-product");
  if (product) data.set("product_id", product);
  var source = new URLSearchParams(window.location.search).get("utm_source");
  if (source) data.set("utm_source", source.slice(0, 40));
  navigator.sendBeacon("/t", data);
})();
