// What the 客服 pages share, the shopper's chat and the console inbox: a poll that asks a
// JSON address for what is newer than the last message shown, every few seconds, and a
// form that sends in place (Accept: application/json) instead of reloading the page.
(function () {
  "use strict";
  var POLL_MS = 3000;

  // Ask ``address`` (plus ?after=lastId()) every 3 s and hand each answer to ``apply``.
  function poll(address, lastId, apply) {
    function ask() {
      var url = new URL(address, window.location.href);
      url.searchParams.set("after", lastId());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) apply(data); })
        .catch(function () {})
        .then(function () { window.setTimeout(ask, POLL_MS); });
    }
    window.setTimeout(ask, POLL_MS);
  }

  // Post ``form`` in place; ``sent(answer)`` on success, the refusal's words in an alert
  // otherwise; a network failure posts the form the ordinary way.
  function sendInPlace(form, sent) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.querySelector("textarea");
      if (!text.value.trim()) { text.focus(); return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          if (result[0]) { sent(result[1]); text.value = ""; }
          else { window.alert(result[1].error); }
        })
        .catch(function () { form.submit(); })
        .then(function () { button.disabled = false; text.focus(); });
    });
  }

  window.duoshopChat = { poll: poll, sendInPlace: sendInPlace };
})();
