/* Console forms' helpers, plain JavaScript; each form works without them.
   - [data-bulk-fill] above a product's SKU table: one price or stock written into every SKU
     row, or into the ticked ones (a tick box is added to each row; it is not posted). The
     rows are posted as if typed, and the server checks each.
   - [data-product-picker] on the coupon form: search products by title (the console's
     tenant-scoped JSON picker) and add them; the picks are written into the product_ids
     box, which is what is posted and checked.
   Strings come translated in data attributes. No inline code or styles (CSP). */
(function () {
  "use strict";

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }

  // --- bulk fill of the SKU table ---------------------------------------------------------
  function setUpBulkFill(box) {
    const table = box.parentElement.querySelector("table");
    if (!table) return;
    const rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    const message = box.querySelector(".bulk-fill-message");
    rows.forEach(function (row) {
      const cell = row.cells[0];
      const tick = document.createElement("input");
      tick.type = "checkbox";
      tick.className = "bulk-pick";
      tick.setAttribute("aria-label", say(box.dataset.selectLabel, { sku: cell.textContent.trim() }));
      cell.insertBefore(tick, cell.firstChild);
    });

    function fill(which) {
      const values = {};
      box.querySelectorAll("[data-fill]").forEach(function (input) {
        if (input.value.trim() !== "") values[input.dataset.fill] = input.value.trim();
      });
      if (!Object.keys(values).length) { message.textContent = box.dataset.needValue; return; }
      const chosen = rows.filter(function (row) {
        return which === "all" || row.querySelector(".bulk-pick").checked;
      });
      if (!chosen.length) { message.textContent = box.dataset.needRows; return; }
      chosen.forEach(function (row) {
        row.querySelectorAll("input[name]").forEach(function (input) {
          const column = /^sku_\d+_(\w+)$/.exec(input.name);  // sku_3_price, never sku_3_market_price
          if (column && Object.prototype.hasOwnProperty.call(values, column[1])) input.value = values[column[1]];
        });
      });
      message.textContent = say(box.dataset.filled, { n: chosen.length });
    }

    box.querySelectorAll("[data-fill-rows]").forEach(function (button) {
      button.addEventListener("click", function () { fill(button.dataset.fillRows); });
    });
    box.hidden = false;
  }

  // --- product picker of the coupon form --------------------------------------------------
  function setUpProductPicker(box) {
    const typed = box.querySelector("#product_ids");
    const chosenList = box.querySelector(".picker-chosen");
    const search = box.querySelector(".picker-search");
    const query = search.querySelector("input[type=search]");
    const results = search.querySelector(".picker-results");
    let asked = 0;
    let timer = null;
    let lastItems = [];

    function chosenIds() {
      return Array.prototype.map.call(chosenList.children, function (item) { return item.dataset.id; });
    }

    function writeIds() {
      typed.value = chosenIds().join(", ");
    }

    function addRemoveButton(item, title) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link picker-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", say(box.dataset.removeLabel, { title: title }));
      remove.addEventListener("click", function () {
        item.remove();
        writeIds();
        showResults(lastItems);
      });
      item.appendChild(remove);
    }

    function choose(product) {
      if (chosenIds().indexOf(String(product.id)) !== -1) return;
      const item = document.createElement("li");
      item.dataset.id = String(product.id);
      item.appendChild(document.createTextNode(product.title + " "));
      const number = document.createElement("span");
      number.className = "hint";
      number.textContent = "#" + product.id;
      item.appendChild(number);
      addRemoveButton(item, product.title);
      chosenList.appendChild(item);
      writeIds();
    }

    function showResults(items) {
      lastItems = items;
      results.textContent = "";
      if (query.value.trim() && !items.length) {
        const none = document.createElement("li");
        none.className = "hint";
        none.textContent = box.dataset.nothingFound;
        results.appendChild(none);
        return;
      }
      const chosen = chosenIds();
      items.forEach(function (product) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "picker-result";
        const taken = chosen.indexOf(String(product.id)) !== -1;
        button.disabled = taken;
        button.textContent = product.title + " · " + product.price_text + (taken ? " · " + box.dataset.chosenLabel : "");
        button.addEventListener("click", function () {
          choose(product);
          showResults(lastItems);
          query.focus();
        });
        item.appendChild(button);
        results.appendChild(item);
      });
    }

    function ask() {
      const text = query.value.trim();
      if (!text) { showResults([]); return; }
      const mine = ++asked;
      fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) { if (mine === asked) showResults(data.items || []); })
        .catch(function () { /* the typed numbers stay; nothing else to do */ });
    }

    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // Enter picks nothing and must not post the form
    });
    Array.prototype.forEach.call(chosenList.children, function (item) {
      addRemoveButton(item, item.firstChild ? item.firstChild.textContent.trim() : item.dataset.id);
    });
    box.querySelector(".picker-typed").hidden = true;
    search.hidden = false;
  }

  document.querySelectorAll("[data-bulk-fill]").forEach(setUpBulkFill);
  document.querySelectorAll("[data-product-picker]").forEach(setUpProductPicker);
})();
