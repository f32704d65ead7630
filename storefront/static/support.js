// The shopper's 客服 chat (with core/static/js/chat.js): sends a message without leaving the page and asks
// messages.json every few seconds for the store's replies (and the auto-answer's), so they
// appear without a reload. Without JavaScript the form posts and the page reloads.
(function () {
  "use strict";
  var chat = document.querySelector("[data-chat]");
  var form = document.querySelector("[data-chat-form]");
  if (!chat || !chat.dataset.poll) return;

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

  if (form) window.duoshopChat.sendInPlace(form, function (answer) { answer.messages.forEach(add); });
  var last = chat.lastElementChild;
  if (last) last.scrollIntoView({ block: "end" });
  window.duoshopChat.poll(chat.dataset.poll, lastId, function (data) { data.messages.forEach(add); });
})();
