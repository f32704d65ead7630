// The shopper's 客服 chat: sends a message without leaving the page and asks
// messages.json every few seconds for the store's replies (and the auto-answer's), so they
// appear without a reload. Without JavaScript the form posts and the page reloads.
(function () {
  "use strict";
  var chat = document.querySelector("[data-chat]");
  var form = document.querySelector("[data-chat-form]");
  if (!chat || !chat.dataset.poll) return;
  var POLL_MS = 3000;

  function lastId() {
    var items = chat.querySelectorAll("[data-id]");
    return items.length ? items[items.length - 1].dataset.id : 0;
  }

  function add(m) {
    if (chat.querySelector('[data-id="' + m.id + '"]')) return;
    var item = document.createElement("li");
    item.className = "chat-message from-" + m.sender;
    item.dataset.id = m.id;
    var who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = m.who + " · " + m.at;
    var body = document.createElement("p");
    body.textContent = m.body;
    item.appendChild(who);
    item.appendChild(body);
    chat.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function poll() {
    var url = new URL(chat.dataset.poll, window.location.href);
    url.searchParams.set("after", lastId());
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) data.messages.forEach(add); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  if (form) {
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
          if (result[0]) { result[1].messages.forEach(add); text.value = ""; }
          else { window.alert(result[1].error); }
        })
        .catch(function () { form.submit(); })
        .then(function () { button.disabled = false; });
    });
  }
  var last = chat.lastElementChild;
  if (last) last.scrollIntoView({ block: "end" });
  window.setTimeout(poll, POLL_MS);
})();
