/* The page editor (店铺装修): palette → canvas by drag (SortableJS) or by button, settings
   generated from each block type's JSON schema, autosave of the draft, live preview,
   publish and history. Strings come translated in data-messages; data in JSON endpoints.
   No inline code or styles (CSP): this file is served by the console. */
(function () {
  "use strict";

  const root = document.getElementById("page-editor");
  if (!root) return;

  const T = JSON.parse(root.dataset.messages);
  const canEdit = root.dataset.canEdit === "true";
  const urls = {
    document: root.dataset.documentUrl, publish: root.dataset.publishUrl, versions: root.dataset.versionsUrl,
    rollback: root.dataset.rollbackUrl, preview: root.dataset.previewUrl, categories: root.dataset.categoriesUrl,
    products: root.dataset.productsUrl, links: root.dataset.linksUrl, media: root.dataset.mediaUrl,
  };
  const SAVE_DELAY = 800;
  const RETRY_DELAY = 5000;
  const PHONE_WIDTH = 375;
  const DESKTOP_WIDTH = 1024;

  const el = {
    status: document.getElementById("pe-status"),
    alert: document.getElementById("pe-alert"),
    blocks: document.getElementById("pe-blocks"),
    settings: document.getElementById("pe-settings-body"),
    settingsTitle: document.getElementById("pe-settings-title"),
    frame: document.getElementById("pe-preview-frame"),
    frameBox: document.getElementById("pe-frame"),
    publish: document.getElementById("pe-publish"),
    historyToggle: document.getElementById("pe-history-toggle"),
    history: document.getElementById("pe-history"),
    historyList: document.getElementById("pe-history-list"),
    links: document.getElementById("pe-links"),
    announce: document.getElementById("pe-announce"),
    palette: root.querySelector(".pe-palette"),
  };

  const state = {
    doc: { blocks: {}, order: [] },
    revision: 0,
    publishedVersion: 0,
    hasUnpublished: false,
    types: {},
    selected: null, // "b1" or "b1/s2": the same names the server's problems use
    problems: [],
    dirty: false,
    saving: null, // the promise of the save in flight
    saveTimer: null,
    conflict: false,
    device: "phone",
  };
  const nestedSortables = [];
  let categoriesPromise = null;

  // ------------------------------------------------------------------ small helpers

  function fmt(message, values) {
    return message.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  }

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const ICONS = {
    up: "M6 15l6-6 6 6",
    down: "M6 9l6 6 6-6",
    duplicate: "M8 8h11v11H8zM5 16V5h11",
    hide: "M3 12s3.5-6 9-6 9 6 9 6-3.5 6-9 6-9-6-9-6zM12 9.5a2.5 2.5 0 110 5 2.5 2.5 0 010-5z",
    show: "M3 3l18 18M10.6 6.1A9.8 9.8 0 0112 6c5.5 0 9 6 9 6a16 16 0 01-2.6 3.3M6.6 6.6C4.3 8.1 3 12 3 12s3.5 6 9 6c1.6 0 3-.4 4.2-1",
    delete: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
    grip: "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
    plus: "M12 5v14M5 12h14",
    link: "M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1",
  };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "pe-svg pe-svg--" + name);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function announce(message) {
    el.announce.textContent = "";
    window.setTimeout(() => { el.announce.textContent = message; }, 30);
  }

  async function api(method, url, body) {
    const headers = { Accept: "application/json", "X-CSRFToken": root.dataset.csrf };
    const options = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      return { ok: false, status: 0, data: {} };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  function clone(value) {
    return JSON.parse(JSON.stringify(value));
  }

  // ------------------------------------------------------------------ the document

  function newId(level) {
    let id;
    do {
      id = "b" + Math.random().toString(36).slice(2, 9);
    } while (level.blocks[id]);
    return id;
  }

  /** The level (``{blocks, order}``) holding the block at ``path`` and its id there. */
  function locate(path) {
    const parts = path.split("/");
    let level = state.doc;
    for (const part of parts.slice(0, -1)) {
      level = level.blocks[part];
      if (!level) return null;
    }
    const id = parts[parts.length - 1];
    if (!level.blocks || !level.blocks[id]) return null;
    return { level, id, block: level.blocks[id], parentPath: parts.length > 1 ? parts.slice(0, -1).join("/") : null };
  }

  function countOfType(type) {
    let count = 0;
    (function walk(level) {
      for (const block of Object.values(level.blocks || {})) {
        if (block.type === type) count += 1;
        if (block.blocks) walk(block);
      }
    })(state.doc);
    return count;
  }

  function makeBlock(typeName, level, settings) {
    const type = state.types[typeName];
    const block = { type: typeName, settings: { ...clone(type.defaults), ...clone(settings || {}) }, hidden: false };
    if (type.child_type) {
      block.blocks = {};
      block.order = [];
      for (const childSettings of type.default_children || []) {
        const childId = newId(block);
        block.blocks[childId] = makeBlock(type.child_type, block, childSettings);
        block.order.push(childId);
      }
    }
    return block;
  }

  function withFreshIds(block) {
    const copy = clone(block);
    if (copy.blocks) {
      const blocks = {};
      const order = [];
      for (const childId of copy.order) {
        const id = newId({ blocks });
        blocks[id] = withFreshIds(copy.blocks[childId]);
        order.push(id);
      }
      copy.blocks = blocks;
      copy.order = order;
    }
    return copy;
  }

  function refuseIfFull(typeName) {
    const type = state.types[typeName];
    if (countOfType(typeName) >= type.max_per_page) {
      showNotice(fmt(T.limit_reached, { label: type.label }));
      return true;
    }
    return false;
  }

  function addBlock(typeName, index) {
    const type = state.types[typeName];
    if (!type || type.nested_only || refuseIfFull(typeName)) return;
    const id = newId(state.doc);
    state.doc.blocks[id] = makeBlock(typeName, state.doc);
    const at = index === undefined ? state.doc.order.length : Math.max(0, Math.min(index, state.doc.order.length));
    state.doc.order.splice(at, 0, id);
    state.selected = id;
    changed({ structure: true });
    announce(fmt(T.added, { label: type.label }));
    focusLater(id, ".pe-select");
  }

  function addChild(parentPath) {
    const parent = locate(parentPath);
    const type = state.types[parent.block.type];
    if (parent.block.order.length >= type.max_children) {
      showNotice(T.children_full);
      return;
    }
    if (refuseIfFull(type.child_type)) return;
    const id = newId(parent.block);
    parent.block.blocks[id] = makeBlock(type.child_type, parent.block);
    parent.block.order.push(id);
    state.selected = parentPath + "/" + id;
    changed({ structure: true });
    announce(fmt(T.added, { label: state.types[type.child_type].label }));
    focusLater(state.selected, ".pe-select");
  }

  function duplicateBlock(path) {
    const found = locate(path);
    const parentType = found.parentPath ? state.types[locate(found.parentPath).block.type] : null;
    if (parentType && found.level.order.length >= parentType.max_children) {
      showNotice(T.children_full);
      return;
    }
    if (refuseIfFull(found.block.type)) return;
    const id = newId(found.level);
    found.level.blocks[id] = withFreshIds(found.block);
    found.level.order.splice(found.level.order.indexOf(found.id) + 1, 0, id);
    state.selected = found.parentPath ? found.parentPath + "/" + id : id;
    changed({ structure: true });
    focusLater(state.selected, ".pe-select");
  }

  function deleteBlock(path) {
    const found = locate(path);
    if (!window.confirm(T.confirm_delete)) return;
    const position = found.level.order.indexOf(found.id);
    delete found.level.blocks[found.id];
    found.level.order.splice(position, 1);
    if (state.selected && (state.selected === path || state.selected.startsWith(path + "/"))) {
      state.selected = found.parentPath;
    }
    changed({ structure: true });
    announce(T.deleted);
    const next = found.level.order[Math.min(position, found.level.order.length - 1)];
    if (next) focusLater(found.parentPath ? found.parentPath + "/" + next : next, ".pe-select");
  }

  function toggleHidden(path) {
    const found = locate(path);
    found.block.hidden = !found.block.hidden;
    changed({ structure: true });
    focusLater(path, ".pe-action--hide");
  }

  function moveBlock(path, delta) {
    const found = locate(path);
    const from = found.level.order.indexOf(found.id);
    const to = from + delta;
    if (to < 0 || to >= found.level.order.length) return;
    found.level.order.splice(from, 1);
    found.level.order.splice(to, 0, found.id);
    changed({ structure: true });
    announce(fmt(T.moved, { n: to + 1 }));
    focusLater(path, delta < 0 ? ".pe-action--up" : ".pe-action--down");
  }

  function reorder(level, ids) {
    if (ids.length === level.order.length && ids.every((id) => level.blocks[id])) {
      level.order = ids;
      changed({ structure: true });
    } else {
      renderCanvas();
    }
  }

  function setSetting(path, name, value) {
    const found = locate(path);
    if (!found) return;
    found.block.settings[name] = value;
    changed({ structure: false });
    updateRow(path);
    if (name === "source" && path === state.selected) {
      applySourceRule(el.settings, state.types[found.block.type], found.block);
    }
  }

  // ------------------------------------------------------------------ canvas

  function summaryOf(block) {
    const type = state.types[block.type];
    const properties = (type && type.schema.properties) || {};
    for (const [name, prop] of Object.entries(properties)) {
      const value = block.settings[name];
      if (typeof value !== "string" || !value.trim()) continue;
      if (["text", "textarea", "richtext"].includes(prop.widget)) {
        const text = prop.widget === "richtext" ? new DOMParser().parseFromString(value, "text/html").body.textContent : value;
        if (text.trim()) return text.trim().slice(0, 60);
      }
    }
    if (type && type.child_type && block.order) {
      return block.order.length + " × " + state.types[type.child_type].label;
    }
    return "";
  }

  function problemsFor(path) {
    return state.problems.filter((problem) => problem.block === path);
  }

  function rowFor(path, block, index, total, nested) {
    const type = state.types[block.type] || { label: block.type, icon: "?" };
    const problems = problemsFor(path);
    const item = h("li", {
      class: "pe-block" + (nested ? " pe-child" : "") + (state.selected === path ? " is-selected" : "")
        + (block.hidden ? " is-hidden" : "") + (problems.length ? " has-problem" : ""),
      "data-path": path, "data-type": block.type,
    });
    const row = h("div", { class: "pe-row " + (nested ? "pe-row--child" : "pe-row--top") },
      canEdit ? h("span", { class: "pe-grip", title: T.drag }, icon("grip")) : null,
      h("button", {
        type: "button", class: "pe-select", "aria-pressed": state.selected === path ? "true" : "false",
        onclick: () => select(path),
      },
      h("span", { class: "pe-icon", "aria-hidden": "true", text: type.icon }),
      h("span", { class: "pe-label" },
        h("span", { class: "pe-name", text: type.label }),
        h("span", { class: "pe-summary", text: summaryOf(block) })),
      block.hidden ? h("span", { class: "pe-badge", text: T.hidden }) : null),
      canEdit ? h("span", { class: "pe-actions" },
        actionButton("up", T.move_up, () => moveBlock(path, -1), index === 0),
        actionButton("down", T.move_down, () => moveBlock(path, 1), index === total - 1),
        actionButton("duplicate", T.duplicate, () => duplicateBlock(path)),
        actionButton(block.hidden ? "show" : "hide", block.hidden ? T.show : T.hide, () => toggleHidden(path), false,
          "pe-action--hide"),
        actionButton("delete", T.delete, () => deleteBlock(path))) : null);
    item.append(row);
    if (problems.length) {
      item.append(h("ul", { class: "pe-problems" }, problems.map((problem) => h("li", { text: problem.text }))));
    }
    if (!nested && state.types[block.type] && state.types[block.type].child_type) {
      const children = h("ol", { class: "pe-children", "data-parent": path });
      block.order.forEach((childId, childIndex) => {
        children.append(rowFor(path + "/" + childId, block.blocks[childId], childIndex, block.order.length, true));
      });
      item.append(children);
      if (canEdit) {
        const childType = state.types[type.child_type];
        item.append(h("button", {
          type: "button", class: "pe-add-child", disabled: block.order.length >= type.max_children,
          onclick: () => addChild(path),
        }, icon("plus"), fmt(T.add_child, { label: childType.label })));
      }
    }
    return item;
  }

  function actionButton(name, label, handler, disabled, extraClass) {
    return h("button", {
      type: "button", class: "pe-action pe-action--" + name + (extraClass ? " " + extraClass : ""),
      title: label, "aria-label": label, disabled: Boolean(disabled), onclick: handler,
    }, icon(name));
  }

  function renderCanvas() {
    while (nestedSortables.length) nestedSortables.pop().destroy();
    const items = state.doc.order.map((id, index) => rowFor(id, state.doc.blocks[id], index, state.doc.order.length, false));
    el.blocks.replaceChildren(...items);
    const pageProblems = state.problems.filter((problem) => !problem.block || !locate(problem.block));
    if (pageProblems.length) {
      showAlert(pageProblems.map((problem) => problem.text), "problem");
    } else if (!state.conflict) {
      hideAlert("problem");
    }
    if (canEdit && window.Sortable) {
      el.blocks.querySelectorAll(".pe-children").forEach((list) => {
        nestedSortables.push(window.Sortable.create(list, sortableOptions({
          group: { name: "children-" + list.dataset.parent, pull: false, put: false },
          handle: ".pe-row--child",
          onUpdate: () => {
            const parent = locate(list.dataset.parent).block;
            deferred(() => reorder(parent, idsIn(list)));
          },
        })));
      });
    }
    updatePalette();
  }

  function updateRow(path) {
    const item = el.blocks.querySelector(`.pe-block[data-path="${CSS.escape(path)}"] .pe-summary`);
    const found = locate(path);
    if (item && found) item.textContent = summaryOf(found.block);
  }

  function updatePalette() {
    el.palette.querySelectorAll(".pe-palette-button").forEach((button) => {
      const type = state.types[button.dataset.type];
      const full = type && countOfType(button.dataset.type) >= type.max_per_page;
      button.classList.toggle("is-full", Boolean(full));
      button.setAttribute("aria-disabled", full ? "true" : "false");
    });
  }

  function idsIn(list) {
    return Array.from(list.children).map((item) => item.dataset.path.split("/").pop());
  }

  function deferred(work) {
    window.setTimeout(work, 0); // let SortableJS finish its own clean-up first
  }

  function focusLater(path, selector) {
    window.requestAnimationFrame(() => {
      const item = el.blocks.querySelector(`.pe-block[data-path="${CSS.escape(path)}"]`);
      const target = item && item.querySelector(`:scope > .pe-row ${selector}`);
      if (target && !target.disabled) target.focus();
      else if (item) item.querySelector(":scope > .pe-row .pe-select").focus();
    });
  }

  function sortableOptions(extra) {
    return {
      animation: 150,
      forceFallback: true, // the same mouse/touch path everywhere, WeChat's browser included
      fallbackTolerance: 4, // a click stays a click
      draggable: ".pe-block",
      filter: ".pe-action, .pe-add-child",
      preventOnFilter: false,
      ghostClass: "pe-ghost",
      chosenClass: "pe-chosen",
      dragClass: "pe-dragging",
      ...extra,
    };
  }

  function setUpDragging() {
    if (!canEdit || !window.Sortable) return;
    window.Sortable.create(el.blocks, sortableOptions({
      group: { name: "blocks", pull: false, put: ["palette"] },
      handle: ".pe-row--top",
      onAdd: (event) => {
        const typeName = event.item.dataset.type;
        const index = event.newIndex;
        event.item.remove();
        deferred(() => addBlock(typeName, index));
      },
      onUpdate: () => deferred(() => reorder(state.doc, idsIn(el.blocks))),
    }));
    el.palette.querySelectorAll(".pe-palette-list").forEach((list) => {
      window.Sortable.create(list, {
        group: { name: "palette", pull: "clone", put: false },
        sort: false,
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 150,
        draggable: ".pe-palette-item",
        ghostClass: "pe-ghost",
        dragClass: "pe-dragging",
      });
    });
  }

  // ------------------------------------------------------------------ selection and settings

  function select(path) {
    state.selected = path;
    el.blocks.querySelectorAll(".pe-block").forEach((item) => {
      const on = item.dataset.path === path;
      item.classList.toggle("is-selected", on);
      item.querySelector(":scope > .pe-row .pe-select").setAttribute("aria-pressed", on ? "true" : "false");
    });
    renderSettings();
    highlightInPreview(true);
  }

  /** Redraw the settings panel, keeping the focus (and caret) of the field being typed in. */
  function renderSettings() {
    const active = document.activeElement;
    const activeId = active && el.settings.contains(active) ? active.id : null;
    const caret = activeId && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    drawSettings();
    const again = activeId && document.getElementById(activeId);
    if (again) {
      again.focus();
      if (caret && typeof again.setSelectionRange === "function") {
        try { again.setSelectionRange(caret[0], caret[1]); } catch (error) { /* not a text field */ }
      }
    }
  }

  function drawSettings() {
    const found = state.selected && locate(state.selected);
    if (!found) {
      el.settingsTitle.textContent = T.block_settings;
      el.settings.replaceChildren(h("p", { class: "pe-hint", text: T.nothing_selected }));
      return;
    }
    const type = state.types[found.block.type];
    el.settingsTitle.replaceChildren(h("span", { class: "pe-icon", "aria-hidden": "true", text: type.icon }), " ",
      type.label);
    const form = h("form", { class: "pe-form", novalidate: true, onsubmit: (event) => event.preventDefault() });
    const blockProblems = problemsFor(state.selected);
    const general = blockProblems.filter((problem) => !problem.field || !(problem.field.split(".")[0] in type.schema.properties));
    if (general.length) form.append(h("ul", { class: "pe-problems" }, general.map((problem) => h("li", { text: problem.text }))));
    const properties = type.schema.properties || {};
    for (const name of type.fields || Object.keys(properties)) {
      form.append(fieldFor(state.selected, found.block, name, properties[name], blockProblems));
    }
    applySourceRule(form, type, found.block);
    if (!Object.keys(type.schema.properties || {}).length) form.append(h("p", { class: "pe-hint", text: "—" }));
    if (type.child_type && canEdit) {
      form.append(h("button", {
        type: "button", class: "button pe-form-add", disabled: found.block.order.length >= type.max_children,
        onclick: () => addChild(state.selected),
      }, icon("plus"), fmt(T.add_child, { label: state.types[type.child_type].label })));
    }
    if (found.parentPath) {
      const parent = locate(found.parentPath).block;
      form.append(h("button", { type: "button", class: "link pe-form-parent", onclick: () => select(found.parentPath) },
        "‹ " + state.types[parent.type].label));
    }
    el.settings.replaceChildren(form);
  }

  /** A block whose ``source`` setting chooses between a category and hand-picked products shows
      only the picker that the chosen source uses. */
  const SOURCE_OF_WIDGET = { category: "category", products: "picked" };
  function applySourceRule(form, type, block) {
    const source = (type.schema.properties || {}).source;
    if (!source || !source.enum) return;
    form.querySelectorAll(".pe-field").forEach((field) => {
      const needed = SOURCE_OF_WIDGET[widgetOf(type.schema.properties[field.dataset.field])];
      if (needed && source.enum.includes(needed)) field.hidden = block.settings.source !== needed;
    });
  }

  function widgetOf(prop) {
    if (prop.widget) return prop.widget;
    if (prop.enum) return "select";
    if (prop.type === "boolean") return "toggle";
    if (prop.type === "integer" || prop.type === "number") return "number";
    return "text";
  }

  function fieldFor(path, block, name, prop, blockProblems) {
    const id = "pe-f-" + name;
    const widget = widgetOf(prop);
    const value = block.settings[name];
    const update = (next) => setSetting(path, name, next);
    const problems = blockProblems.filter((problem) => problem.field && problem.field.split(".")[0] === name);
    const field = h("div", { class: "pe-field pe-field--" + widget + (problems.length ? " has-error" : ""), "data-field": name });
    const hintId = id + "-hint";
    let hint = null;
    let control;
    const common = { id, name, disabled: !canEdit, "aria-describedby": hintId, "aria-invalid": problems.length ? "true" : null };

    switch (widget) {
      case "textarea":
        control = h("textarea", { ...common, rows: 4, maxlength: prop.maxLength, oninput: (e) => update(e.target.value) });
        control.value = value || "";
        if (prop.maxLength) hint = fmt(T.max_chars, { n: prop.maxLength });
        break;
      case "richtext":
        control = richTextEditor(common, value || "", update);
        break;
      case "number":
        control = h("input", {
          ...common, type: "number", step: 1, min: prop.minimum, max: prop.maximum, inputmode: "numeric",
          oninput: (e) => {
            const number = Number.parseInt(e.target.value, 10);
            if (!Number.isNaN(number)) update(number);
          },
        });
        control.value = value === null || value === undefined ? "" : value;
        if (prop.minimum !== undefined && prop.maximum !== undefined) hint = fmt(T.range, { min: prop.minimum, max: prop.maximum });
        break;
      case "toggle":
        control = h("input", { ...common, type: "checkbox", class: "pe-switch", onchange: (e) => update(e.target.checked) });
        control.checked = Boolean(value);
        break;
      case "select":
        control = h("select", { ...common, onchange: (e) => update(e.target.value) },
          (prop.enum || []).map((option) => h("option", { value: option, text: (prop.option_labels || {})[option] || option })));
        control.value = value;
        break;
      case "color":
        control = colorInput(common, value || "", update, Boolean(prop.optional));
        break;
      case "category":
        control = categorySelect(common, value, update);
        break;
      case "products":
        control = productsPicker(common, value || [], prop.maxItems || 20, update);
        break;
      case "image":
        control = imageInput(common, value || "", update, prop.maxLength);
        break;
      case "datetime":
        control = h("input", { ...common, type: "datetime-local", onchange: (e) => update(e.target.value) });
        control.value = (value || "").slice(0, 16);
        break;
      case "link":
        control = h("input", {
          ...common, type: "text", list: "pe-links", maxlength: prop.maxLength, placeholder: T.link_placeholder,
          autocomplete: "off", spellcheck: "false", oninput: (e) => update(e.target.value),
        });
        control.value = value || "";
        break;
      default:
        control = h("input", {
          ...common, type: "text", maxlength: prop.maxLength, placeholder: prop.placeholder || null,
          oninput: (e) => update(e.target.value),
        });
        control.value = value === null || value === undefined ? "" : value;
        if (prop.maxLength && prop.maxLength > 40) hint = fmt(T.max_chars, { n: prop.maxLength });
    }

    if (widget === "toggle") {
      field.append(h("label", { class: "pe-toggle", for: id }, control, h("span", { text: prop.title || name })));
    } else {
      field.append(h("label", { for: id, text: prop.title || name }), control);
    }
    field.append(h("p", { class: "pe-field-hint", id: hintId, text: hint || "" }));
    for (const problem of problems) field.append(h("p", { class: "error", role: "alert", text: problem.text }));
    return field;
  }

  function richTextEditor(common, html, update) {
    const area = h("div", {
      id: common.id, class: "pe-richtext", contenteditable: canEdit ? "true" : "false", role: "textbox",
      "aria-multiline": "true", "aria-describedby": common["aria-describedby"],
      oninput: () => update(area.innerHTML),
    });
    area.innerHTML = html; // the server sanitizes it (nh3) on save and again on render
    const command = (name, argument) => () => {
      area.focus();
      document.execCommand(name, false, argument);
      update(area.innerHTML);
    };
    const tool = (label, face, handler) => h("button", { type: "button", class: "pe-tool", title: label, "aria-label": label,
      disabled: !canEdit, onclick: handler }, face);
    const toolbar = h("div", { class: "pe-toolbar", role: "toolbar" },
      tool(T.bold, "B", command("bold")),
      tool(T.italic, "I", command("italic")),
      tool(T.heading, "H", command("formatBlock", "h3")),
      tool(T.list, "•", command("insertUnorderedList")),
      tool(T.link, icon("link"), () => {
        const address = window.prompt(T.link_prompt, "https://");
        if (address) command("createLink", address)();
      }));
    return h("div", { class: "pe-richtext-wrap" }, toolbar, area);
  }

  /** A swatch and its hex code; an optional colour may be left empty to follow the theme. */
  function colorInput(common, value, update, optional) {
    const hex = /^#[0-9a-f]{6}$/i;
    const text = h("input", {
      ...common, type: "text", maxlength: 7, spellcheck: "false", class: "pe-color-text",
      placeholder: optional ? T.theme_color : "#07c160",
    });
    const swatch = h("input", { type: "color", disabled: !canEdit, "aria-hidden": "true", tabindex: "-1", class: "pe-color-swatch" });
    const paint = () => {
      swatch.value = hex.test(text.value) ? text.value : "#ffffff";
      swatch.classList.toggle("is-empty", !text.value);
    };
    text.value = value;
    paint();
    swatch.addEventListener("input", () => { text.value = swatch.value; paint(); update(swatch.value); });
    text.addEventListener("input", () => { paint(); update(text.value.trim()); });
    const reset = optional && canEdit ? h("button", {
      type: "button", class: "pe-color-reset", title: T.use_theme_color, "aria-label": T.use_theme_color, text: "×",
      onclick: () => { text.value = ""; paint(); update(""); text.focus(); },
    }) : null;
    return h("div", { class: "pe-color" }, swatch, text, reset);
  }

  function loadCategories() {
    categoriesPromise = categoriesPromise || api("GET", urls.categories).then((r) => (r.ok ? r.data.items : []));
    return categoriesPromise;
  }

  function categorySelect(common, value, update) {
    const select = h("select", {
      ...common, onchange: (e) => update(e.target.value === "" ? null : Number(e.target.value)),
    }, h("option", { value: "", text: T.none }));
    loadCategories().then((items) => {
      for (const category of items) select.append(h("option", { value: String(category.id), text: category.name }));
      select.value = value === null || value === undefined ? "" : String(value);
    });
    return select;
  }

  function productsPicker(common, ids, maxItems, update) {
    const chosen = ids.slice();
    const titles = {};
    const list = h("ul", { class: "pe-chosen-products" });
    const results = h("ul", { class: "pe-product-results" });
    const search = h("input", {
      ...common, type: "search", placeholder: T.search_products, autocomplete: "off",
    });
    function drawChosen() {
      list.replaceChildren(...chosen.map((id) => h("li", {},
        h("span", { text: titles[id] || "#" + id }),
        canEdit ? h("button", {
          type: "button", class: "pe-chip-remove", "aria-label": T.remove + " " + (titles[id] || id), text: "×",
          onclick: () => { chosen.splice(chosen.indexOf(id), 1); update(chosen.slice()); drawChosen(); },
        }) : null)));
    }
    let timer = null;
    async function runSearch() {
      const response = await api("GET", urls.products + "?q=" + encodeURIComponent(search.value.trim()));
      const items = response.ok ? response.data.items : [];
      results.replaceChildren(...(items.length ? items.map((product) => h("li", {},
        h("button", {
          type: "button", class: "pe-product-add", disabled: chosen.includes(product.id) || chosen.length >= maxItems,
          onclick: () => {
            titles[product.id] = product.title;
            chosen.push(product.id);
            update(chosen.slice());
            drawChosen();
            runSearch();
          },
        }, h("span", { text: product.title }), h("span", { class: "pe-price", text: product.price_text }))))
        : [h("li", { class: "pe-hint", text: T.no_products })]));
    }
    search.addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(runSearch, 250); });
    search.addEventListener("focus", () => { if (!results.children.length) runSearch(); });
    if (chosen.length) {
      api("GET", urls.products + "?ids=" + chosen.join(",")).then((response) => {
        for (const product of response.ok ? response.data.items : []) titles[product.id] = product.title;
        drawChosen();
      });
    }
    drawChosen();
    return h("div", { class: "pe-products" }, list, canEdit ? search : null, canEdit ? results : null);
  }

  function imageInput(common, value, update, maxLength) {
    const input = h("input", { ...common, type: "text", maxlength: maxLength, placeholder: "https://…", spellcheck: "false" });
    input.value = value;
    const thumb = h("img", { class: "pe-thumb", alt: "" });
    const note = h("p", { class: "pe-field-hint", role: "status" });
    const showThumb = () => {
      const ok = /^(https?:\/\/|\/)/.test(input.value);
      thumb.hidden = !ok;
      if (ok) thumb.src = input.value;
    };
    input.addEventListener("input", () => { update(input.value); showThumb(); });
    thumb.addEventListener("error", () => { thumb.hidden = true; });
    const file = h("input", { type: "file", accept: "image/*", class: "sr-only", tabindex: "-1", "aria-hidden": "true" });
    const button = h("button", { type: "button", class: "button pe-upload", disabled: !canEdit, text: T.upload,
      onclick: () => file.click() });
    file.addEventListener("change", async () => {
      if (!file.files.length) return;
      const body = new FormData();
      body.append("file", file.files[0]);
      note.textContent = T.uploading;
      let response;
      try {
        response = await fetch(urls.media, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
        });
      } catch (error) {
        response = null;
      }
      file.value = "";
      if (response && response.ok) {
        const data = await response.json();
        input.value = data.url;
        update(data.url);
        showThumb();
        note.textContent = "";
      } else if (response && (response.status === 404 || response.status === 405)) {
        note.textContent = T.upload_unavailable;
      } else {
        let detail = "";
        try { detail = (await response.json()).detail || ""; } catch (error) { detail = ""; }
        note.textContent = T.upload_failed + (detail ? " " + detail : "");
      }
    });
    // The store's image library (图片空间), when the page carries its picker.
    const library = window.DuoshopImagePicker || document.getElementById("image-picker")
      ? h("button", { type: "button", class: "button pe-library", disabled: !canEdit, text: T.library,
        onclick: () => window.DuoshopImagePicker && window.DuoshopImagePicker.open((image) => {
          input.value = image.url;
          update(image.url);
          showThumb();
        }) })
      : null;
    showThumb();
    return h("div", { class: "pe-image" }, thumb, h("div", { class: "pe-image-row" }, input, library, button, file), note);
  }

  // ------------------------------------------------------------------ saving

  function setStatus(message, kind) {
    el.status.replaceChildren(...(message ? [h("span", { text: message, title: message })] : []));
    el.status.dataset.kind = kind || "";
  }

  function showAlert(lines, kind, action) {
    // replaceChildren() prints a null as the text "null": pass only what there is
    el.alert.replaceChildren(
      h("div", { class: "pe-alert-text" }, lines.map((line) => h("p", { text: line }))),
      ...(action ? [action] : []));
    el.alert.dataset.kind = kind;
    el.alert.hidden = false;
  }

  function hideAlert(kind) {
    if (!kind || el.alert.dataset.kind === kind) el.alert.hidden = true;
  }

  let noticeTimer = null;
  function showNotice(message) {
    showAlert([message], "notice");
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(() => hideAlert("notice"), 5000);
  }

  function changed({ structure }) {
    state.dirty = true;
    if (structure) {
      renderCanvas();
      renderSettings();
    }
    if (state.conflict) return;
    setStatus(T.unsaved, "dirty");
    window.clearTimeout(state.saveTimer);
    state.saveTimer = window.setTimeout(save, SAVE_DELAY);
  }

  async function save() {
    window.clearTimeout(state.saveTimer);
    if (state.conflict || !canEdit) return false;
    if (state.saving) {
      await state.saving;
      return state.dirty ? save() : !state.problems.length;
    }
    if (!state.dirty) return !state.problems.length;
    state.saving = (async () => {
      state.dirty = false;
      setStatus(T.saving, "saving");
      const sent = clone(state.doc);
      const response = await api("PUT", urls.document, { document: sent, revision: state.revision });
      if (response.ok) {
        state.revision = response.data.revision;
        state.hasUnpublished = response.data.has_unpublished_changes;
        const hadProblems = state.problems.length > 0;
        state.problems = [];
        if (hadProblems) { renderCanvas(); renderSettings(); }
        setStatus(state.dirty ? T.unsaved : T.saved, state.dirty ? "dirty" : "saved");
        reloadPreview();
        return true;
      }
      if (response.status === 409) {
        enterConflict(response.data.detail);
      } else if (response.status === 422) {
        state.problems = response.data.problems || [{ block: null, text: response.data.detail }];
        setStatus(T.problems, "error");
        renderCanvas();
        renderSettings();
        focusFirstProblem();
      } else {
        state.dirty = true;
        setStatus(T.save_failed, "error");
        state.saveTimer = window.setTimeout(save, RETRY_DELAY);
      }
      return false;
    })();
    const result = await state.saving;
    state.saving = null;
    if (result && state.dirty) return save();
    return result;
  }

  function focusFirstProblem() {
    const first = state.problems.find((problem) => problem.block && locate(problem.block));
    if (first && first.block !== state.selected) select(first.block);
  }

  function enterConflict(detail) {
    state.conflict = true;
    window.clearTimeout(state.saveTimer);
    setStatus(T.conflict_status, "error");
    const reload = h("button", { type: "button", class: "button", text: T.reload, onclick: () => window.location.reload() });
    showAlert([detail && detail !== T.conflict ? detail + " " : T.conflict], "conflict", reload);
  }

  async function publish() {
    if (state.conflict) return;
    el.publish.disabled = true;
    el.publish.textContent = T.publishing;
    try {
      const saved = state.dirty || state.saving ? await save() : !state.problems.length;
      if (!saved) {
        if (!state.conflict) setStatus(T.problems, "error");
        return;
      }
      const response = await api("POST", urls.publish, { revision: state.revision });
      if (response.ok) {
        state.publishedVersion = response.data.published_version;
        state.hasUnpublished = false;
        setStatus(fmt(T.published, { n: state.publishedVersion }), "saved");
        announce(fmt(T.published, { n: state.publishedVersion }));
        if (!el.history.hidden) loadHistory();
      } else if (response.status === 409) {
        enterConflict(response.data.detail);
      } else if (response.status === 422) {
        state.problems = response.data.problems || [];
        renderCanvas();
        renderSettings();
        setStatus(T.publish_failed + " " + (response.data.detail || ""), "error");
      } else {
        setStatus(T.publish_failed + " " + (response.data.detail || ""), "error");
      }
    } finally {
      el.publish.disabled = false;
      el.publish.textContent = T.publish;
    }
  }

  // ------------------------------------------------------------------ history

  async function loadHistory() {
    const response = await api("GET", urls.versions);
    if (!response.ok) return;
    const items = response.data.items;
    el.historyList.replaceChildren(...(items.length ? items.map((version) => h("li", { class: version.live ? "is-live" : "" },
      h("div", { class: "pe-version-head" },
        h("strong", { text: fmt(T.version, { n: version.version }) }),
        version.live ? h("span", { class: "pe-badge pe-badge--live", text: T.live }) : null),
      h("div", { class: "pe-version-meta" },
        h("time", { datetime: version.created_at, text: version.created_at_text }),
        version.author ? " · " + version.author : ""),
      version.note ? h("div", { class: "pe-version-note", text: version.note }) : null,
      canEdit && !version.live ? h("button", {
        type: "button", class: "button pe-restore", text: T.restore, onclick: () => restore(version.version),
      }) : null)) : [h("li", { class: "pe-hint", text: T.history_empty })]));
  }

  async function restore(version) {
    if (!window.confirm(fmt(T.confirm_restore, { n: version }))) return;
    if (state.dirty || state.saving) await save();
    if (state.conflict) return;
    const response = await api("POST", urls.rollback, { version });
    if (response.ok) {
      applyDocumentState(response.data);
      setStatus(fmt(T.restored, { n: version }), "saved");
      loadHistory();
      reloadPreview();
    } else if (response.status === 409) {
      enterConflict(response.data.detail);
    } else {
      showNotice(response.data.detail || T.publish_failed);
    }
  }

  function toggleHistory() {
    const open = el.history.hidden;
    el.history.hidden = !open;
    el.historyToggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) loadHistory();
  }

  // ------------------------------------------------------------------ preview

  function previewDocument() {
    try {
      return el.frame.contentDocument;
    } catch (error) {
      return null;
    }
  }

  function reloadPreview() {
    const doc = previewDocument();
    const scroll = doc && doc.scrollingElement ? doc.scrollingElement.scrollTop : 0;
    el.frame.dataset.restoreScroll = String(scroll);
    el.frame.src = urls.preview + "?revision=" + state.revision;
  }

  function onPreviewLoad() {
    const doc = previewDocument();
    if (!doc) return;
    const scroll = Number(el.frame.dataset.restoreScroll || 0);
    if (scroll && doc.scrollingElement) doc.scrollingElement.scrollTop = scroll;
    // Links and forms are inert in the preview; a click picks the block instead.
    doc.addEventListener("click", (event) => {
      event.preventDefault();
      const block = event.target.closest("[data-block-id]");
      if (block && locate(block.dataset.blockId)) select(block.dataset.blockId);
    });
    doc.addEventListener("submit", (event) => event.preventDefault());
    highlightInPreview(true, "instant"); // the selected block may have moved since the reload began
  }

  function highlightInPreview(scrollTo, behavior) {
    const doc = previewDocument();
    if (!doc || !doc.body) return;
    const topId = state.selected ? state.selected.split("/")[0] : null;
    let target = null;
    doc.querySelectorAll("[data-block-id]").forEach((node) => {
      const on = node.dataset.blockId === topId;
      node.classList.toggle("pe-preview-selected", on);
      if (on) target = node;
    });
    // Scroll the frame only: scrollIntoView would scroll the editor around it too.
    if (scrollTo && target && doc.scrollingElement) {
      const box = target.getBoundingClientRect();
      const view = doc.defaultView.innerHeight;
      const header = doc.querySelector(".topbar");
      const covered = header ? header.getBoundingClientRect().bottom : 0; // the store's sticky header
      if (box.top < covered || box.bottom > view) {
        const top = doc.scrollingElement.scrollTop + box.top - covered - 8;
        doc.scrollingElement.scrollTo({ top: Math.max(0, top), behavior: behavior || "smooth" });
      }
    }
  }

  function setDevice(device) {
    state.device = device;
    root.dataset.device = device;
    root.querySelectorAll(".pe-device").forEach((button) => {
      button.setAttribute("aria-pressed", button.dataset.device === device ? "true" : "false");
    });
    fitPreview();
  }

  /** The iframe keeps its real width (375 px or a desktop's 1280 px) and is scaled to fit. */
  function fitPreview() {
    const pane = el.frameBox.parentElement;
    const logical = state.device === "desktop" ? DESKTOP_WIDTH : PHONE_WIDTH;
    const style = window.getComputedStyle(pane);
    const available = pane.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const scale = Math.min(1, available / logical);
    const height = el.frameBox.clientHeight || 640;
    el.frame.style.width = logical + "px";
    el.frame.style.height = Math.round(height / scale) + "px";
    el.frame.style.transform = scale < 1 ? `scale(${scale})` : "";
    el.frameBox.style.width = Math.floor(logical * scale) + "px";
  }

  // ------------------------------------------------------------------ start

  function applyDocumentState(data) {
    state.doc = data.document && data.document.blocks ? data.document : { blocks: {}, order: [] };
    state.revision = data.revision;
    state.publishedVersion = data.published_version;
    state.hasUnpublished = data.has_unpublished_changes;
    state.problems = [];
    state.dirty = false;
    if (state.selected && !locate(state.selected)) state.selected = null;
    renderCanvas();
    renderSettings();
  }

  async function start() {
    const response = await api("GET", urls.document);
    if (!response.ok) {
      showAlert([response.data.detail || T.save_failed], "error");
      return;
    }
    state.types = response.data.block_types;
    applyDocumentState(response.data);
    setStatus(T.saved, "saved");
    root.classList.add("is-ready");

    el.palette.addEventListener("click", (event) => {
      const button = event.target.closest(".pe-palette-button");
      if (!button || !canEdit) return;
      const selectedTop = state.selected ? state.selected.split("/")[0] : null;
      const index = selectedTop ? state.doc.order.indexOf(selectedTop) + 1 : undefined;
      addBlock(button.dataset.type, index);
    });
    if (el.publish) el.publish.addEventListener("click", publish);
    el.historyToggle.addEventListener("click", toggleHistory);
    root.querySelectorAll(".pe-device").forEach((button) => {
      button.addEventListener("click", () => setDevice(button.dataset.device));
    });
    el.frame.addEventListener("load", onPreviewLoad);
    const early = previewDocument();
    if (early && early.readyState === "complete" && early.location.href !== "about:blank") onPreviewLoad();
    window.addEventListener("resize", fitPreview);
    window.addEventListener("beforeunload", (event) => {
      if (state.dirty || state.saving) event.preventDefault();
    });
    setUpDragging();
    fitPreview();
    if (canEdit) {
      api("GET", urls.links).then((r) => {
        if (r.ok) el.links.replaceChildren(...r.data.items.map((link) => h("option", { value: link.url, label: link.label })));
      });
    }
  }

  start();
})();
