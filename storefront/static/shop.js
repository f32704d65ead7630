/* Storefront comforts on every store page, loaded as a file (the CSP allows no inline script):
   - the tab bar's cart badge, asked after load (pages are cached whole for everyone);
   - "Add to cart" and a coupon's "Claim" answer in place with a toast instead of leaving the
     page. Without this script both forms still work: they post and redirect. */
(function () {
  "use strict";
  var toastTimer = null;

  function toast(message, isError) {
    var box = document.querySelector("[data-toast]");
    if (!box || !message) return;
    box.textContent = message;
    box.classList.toggle("toast--error", !!isError);
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 2200);
  }

  function showCartCount(count) {
    document.querySelectorAll("[data-cart-badge]").forEach(function (badge) {
      badge.textContent = count > 99 ? "99+" : count > 0 ? String(count) : "";
      badge.hidden = !(count > 0);
    });
  }

  function refreshCartCount() {
    if (!document.querySelector("[data-cart-badge]")) return;
    fetch("/cart/count.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) showCartCount(answer.count); })
      .catch(function () {});
  }

  // Which submits answer in place: "Add to cart" (not "Buy now") and a coupon's "Claim".
  function inPlace(form, submitter) {
    if (!submitter) return false;
    if (submitter.name === "then" && submitter.value === "cart") return true;
    return /\/coupons\/\d+\/claim$/.test(submitter.getAttribute("formaction") || "");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (event.defaultPrevented || !window.fetch || !window.FormData || !inPlace(form, submitter)) return;
    event.preventDefault();
    var target = submitter.getAttribute("formaction") || form.getAttribute("action");
    var body = new FormData(form);
    if (submitter.name) body.append(submitter.name, submitter.value);
    function plainSubmit() {  // what the form does without this script: post and redirect
      var field = document.createElement("input");
      field.type = "hidden"; field.name = submitter.name; field.value = submitter.value;
      if (submitter.name) form.appendChild(field);
      form.action = target;
      HTMLFormElement.prototype.submit.call(form);
    }
    submitter.disabled = true;
    fetch(target, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!answer) { plainSubmit(); return; }  // not the answer expected: the plain form does it
        toast(answer.message, !answer.ok);
        if (typeof answer.cart_count === "number") showCartCount(answer.cart_count);
      });
    }).catch(plainSubmit).then(function () {
      submitter.disabled = false;
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refreshCartCount);
  } else {
    refreshCartCount();
  }
  window.addEventListener("pageshow", function (event) { if (event.persisted) refreshCartCount(); });
})();
