// The official-account screens: show the fields of the reply kind chosen, copy the message
// URL, and in the menu editor move buttons and sub-buttons up and down (their field names are
// renumbered so the server reads them in the new order) with a phone bar previewing the names.
(function () {
  "use strict";

  document.querySelectorAll("[data-reply]").forEach(function (reply) {
    const kind = reply.querySelector("[data-reply-kind]");
    if (!kind) return;
    const show = function () {
      reply.querySelectorAll("[data-for-kind]").forEach(function (part) {
        part.hidden = part.dataset.forKind !== kind.value;
      });
    };
    kind.addEventListener("change", show);
    show();
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const text = document.querySelector(button.dataset.copy).textContent.trim();
      if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {});
      const selection = window.getSelection();
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(button.dataset.copy));
      selection.removeAllRanges();
      selection.addRange(range);
    });
  });

  const editor = document.querySelector("[data-menu-editor]");
  if (!editor) return;
  const tops = editor.querySelector("[data-tops]");
  const preview = editor.querySelector("[data-preview]");

  function renumber() {
    tops.querySelectorAll("[data-top]").forEach(function (top, i) {
      top.querySelector("[data-legend]").textContent = tops.dataset.legend.replace("#", String(i + 1));
      const rows = top.querySelectorAll("[data-row]");
      rows.forEach(function (row, index) {
        const prefix = index === 0 ? "b" + i : "b" + i + "_s" + (index - 1);
        row.querySelectorAll("[data-field]").forEach(function (input) {
          input.name = prefix + "_" + input.dataset.field;
        });
      });
    });
    preview.textContent = "";
    tops.querySelectorAll("[data-top]").forEach(function (top) {
      const name = top.querySelector("[data-row] [data-field=name]").value.trim();
      if (!name) return;
      const span = document.createElement("span");
      span.textContent = name;
      preview.appendChild(span);
    });
  }

  editor.addEventListener("click", function (event) {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const row = button.closest("[data-row]");
    const top = row.closest("[data-top]");
    const isTopRow = row === top.querySelector("[data-row]");
    const item = isTopRow ? top : row;  // the bar's button moves with its sub-buttons
    const up = button.dataset.move === "up";
    const other = up ? item.previousElementSibling : item.nextElementSibling;
    if (!other) return;
    item.parentNode.insertBefore(item, up ? other : other.nextElementSibling);
    renumber();
    button.focus();
  });
  editor.addEventListener("input", renumber);
  editor.addEventListener("submit", renumber);
  renumber();
})();
