// The 客服 inbox (with core/static/js/chat.js): asks /console/support/poll.json every few seconds and writes the new
// messages of the open conversation and the conversation list (unread counts, waits) in
// place; sends a reply without leaving the page; a quick reply fills the reply box.
// Without JavaScript the page works by reloads (the reply form posts and redirects back).
(function () {
  "use strict";
  var box = document.querySelector("[data-support-inbox]");
  if (!box) return;
  var list = box.querySelector("[data-conversations]");
  var thread = box.querySelector("[data-messages]");
  var form = box.querySelector("[data-reply]");
  var total = document.querySelector("[data-unread-total]");

  function lastId() {
    var items = thread ? thread.querySelectorAll("[data-id]") : [];
    return items.length ? items[items.length - 1].dataset.id : 0;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function addMessage(m) {
    if (!thread || thread.querySelector('[data-id="' + m.id + '"]')) return;
    var item = el("li", "support-message from-" + m.sender);
    item.dataset.id = m.id;
    item.appendChild(el("span", "hint", m.who + " · " + m.at));
    item.appendChild(el("p", "", m.body));
    thread.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function drawList(conversations) {
    if (!list) return;
    var selected = box.dataset.selected;
    list.replaceChildren.apply(list, conversations.map(function (c) {
      var item = el("li");
      if (String(c.id) === selected) item.setAttribute("aria-current", "true");
      var link = el("a");
      link.href = c.url;
      link.appendChild(el("strong", "", c.member));
      link.appendChild(document.createTextNode(" "));
      link.appendChild(el("span", "hint", c.about));
      if (c.unread) link.appendChild(el("span", "support-unread", c.unread));
      link.appendChild(el("span", "support-preview", c.preview));
      var meta = el("span", "hint", c.at + (c.assignee ? " · " + c.assignee : ""));
      if (c.waiting_minutes !== null) {
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(el("span", c.overdue ? "support-overdue" : "", box.dataset.waitingWord
          ? box.dataset.waitingWord.replace("{n}", c.waiting_minutes) : c.waiting_minutes + "′"));
      }
      link.appendChild(meta);
      item.appendChild(link);
      return item;
    }));
  }

  if (form) {
    window.duoshopChat.sendInPlace(form, function (answer) { addMessage(answer.message); });
    box.querySelectorAll("[data-quick]").forEach(function (button) {
      button.addEventListener("click", function () {
        var body = form.querySelector("textarea");
        body.value = button.dataset.quick;
        body.focus();
      });
    });
  }
  if (thread) { var last = thread.lastElementChild; if (last) last.scrollIntoView({ block: "nearest" }); }
  window.duoshopChat.poll(box.dataset.poll, lastId, function (data) {
    data.messages.forEach(addMessage);
    if (data.conversations.length) drawList(data.conversations);
    if (total && total.dataset.word) total.textContent = total.dataset.word.replace("{n}", data.unread);
  });
})();
