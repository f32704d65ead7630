// The page after sign-up: asks the console how the store's set-up is going and moves on by
// itself when the store is ready (without JavaScript, a <noscript> refresh does the same).
(function () {
  "use strict";
  var box = document.getElementById("setting-up");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var shown = box.getAttribute("data-state");

  function later(ms) { window.setTimeout(check, ms); }

  function check() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer && answer.state === "ready" && answer.next) {
          window.location.assign(answer.next);
        } else if (answer && answer.state !== shown) {
          window.location.reload(); // the server says what changed (a failure and what to do)
        } else {
          later(shown === "failed" ? 5000 : 1000);
        }
      })
      .catch(function () { later(5000); });
  }

  later(500);
})();
