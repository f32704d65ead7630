/* Storefront behaviour of the blocks. Loaded as a file (the CSP allows no inline script).
   Merchant colours arrive as data-* attributes already validated as hex on save; setting
   them through the CSSOM is allowed by a CSP without 'unsafe-inline'. */
(function () {
  "use strict";
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

  function applyColours(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) {
      var colour = el.getAttribute("data-color");
      if (!HEX.test(colour)) return;
      if (el.tagName === "HR") { el.style.borderColor = colour; } else { el.style.color = colour; }
    });
    root.querySelectorAll("[data-background]").forEach(function (el) {
      var colour = el.getAttribute("data-background");
      if (HEX.test(colour)) el.style.backgroundColor = colour;
    });
    root.querySelectorAll("[data-height]").forEach(function (el) {
      var px = parseInt(el.getAttribute("data-height"), 10);
      if (px >= 0 && px <= 400) el.style.height = px + "px";
    });
  }

  function startCountdowns(root) {
    var timers = root.querySelectorAll("[data-ends-at]");
    if (!timers.length) return;
    function pad(n) { return n < 10 ? "0" + n : String(n); }
    function tick() {
      timers.forEach(function (el) {
        var left = Math.floor((Date.parse(el.getAttribute("data-ends-at")) - Date.now()) / 1000);
        if (isNaN(left)) return;
        if (left <= 0) { el.textContent = el.getAttribute("data-ended-text") || ""; return; }
        var parts = { hours: Math.floor(left / 3600), minutes: Math.floor(left / 60) % 60, seconds: left % 60 };
        el.querySelectorAll("[data-unit]").forEach(function (unit) {
          unit.textContent = pad(parts[unit.getAttribute("data-unit")]);
        });
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  function enableDismiss(root) {
    root.querySelectorAll("[data-dismiss]").forEach(function (button) {
      button.addEventListener("click", function () {
        var bar = button.closest(".blk-announcement");
        if (bar) bar.hidden = true;
      });
    });
  }

  function autoplayBanners(root) {
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    root.querySelectorAll('.blk-banner[data-autoplay="on"]').forEach(function (banner) {
      var track = banner.querySelector(".blk-banner__track");
      var slides = banner.querySelectorAll(".blk-banner__slide");
      var seconds = Math.min(Math.max(parseInt(banner.getAttribute("data-interval"), 10) || 4, 2), 15);
      if (!track || slides.length < 2) return;
      var index = 0;
      setInterval(function () {
        index = (index + 1) % slides.length;
        track.scrollTo({ left: slides[index].offsetLeft - track.offsetLeft, behavior: "smooth" });
      }, seconds * 1000);
    });
  }

  function showMemberCards(root) {
    var slots = root.querySelectorAll("[data-member-card]");
    if (!slots.length || !window.fetch) return;
    fetch(slots[0].getAttribute("data-member-card"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (card) {
        if (!card || !card.signed_in) return;
        slots.forEach(function (slot) {
          var parts = [card.name];
          if (card.level) parts.push(card.level);
          parts.push(slot.getAttribute("data-points-text").replace("%(points)s", card.points));
          parts.push(slot.getAttribute("data-balance-text").replace("%(balance)s", card.balance));
          slot.textContent = parts.join(" · ");
          slot.hidden = false;
          var join = slot.parentNode.querySelector(".blk-member__join");
          if (join) { join.textContent = slot.getAttribute("data-center-text"); join.setAttribute("href", card.url); }
        });
      })
      .catch(function () { /* the card stays as the merchant wrote it */ });
  }

  function init() {
    applyColours(document);
    showMemberCards(document);
    startCountdowns(document);
    enableDismiss(document);
    autoplayBanners(document);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
