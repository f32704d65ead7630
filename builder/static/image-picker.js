// The image library's picker (图片空间): one <dialog id="image-picker"> per page, opened by
// every [data-pick-image] button and by other scripts through window.DuoshopImagePicker.open().
// It lists the store's images (search by name, filter by folder) and can upload a new one;
// choosing one hands {id, url, name} to whoever opened it.
(function () {
  "use strict";
  const dialog = document.getElementById("image-picker");
  if (!dialog) return;
  const grid = dialog.querySelector(".image-picker-grid");
  const search = dialog.querySelector(".image-picker-search");
  const folders = dialog.querySelector(".image-picker-folder");
  const file = dialog.querySelector(".image-picker-file");
  const note = dialog.querySelector(".image-picker-note");
  let onPick = null;
  let timer = null;

  function listUrl() {
    const url = new URL(dialog.dataset.listUrl, location.href);
    if (search.value.trim()) url.searchParams.set("q", search.value.trim());
    if (folders.value !== "*") url.searchParams.set("folder", folders.value);
    return url;
  }

  function drawFolders(names) {
    const chosen = folders.value;
    const keep = folders.options[0];
    folders.replaceChildren(keep);
    [["", dialog.dataset.unsorted]].concat(names.map((name) => [name, name])).forEach(([value, label]) => {
      folders.append(new Option(label, value, false, value === chosen));
    });
  }

  function drawImages(images) {
    grid.replaceChildren();
    note.textContent = images.length ? "" : dialog.dataset.empty;
    images.forEach((image) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "image-picker-item";
      button.title = image.name;
      const img = document.createElement("img");
      img.src = image.url;
      img.alt = "";
      img.loading = "lazy";
      const name = document.createElement("span");
      name.textContent = image.name;
      button.append(img, name);
      button.addEventListener("click", () => choose(image));
      const item = document.createElement("li");
      item.append(button);
      grid.append(item);
    });
  }

  async function refresh() {
    const response = await fetch(listUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    drawFolders(data.folders);
    drawImages(data.images);
  }

  function choose(image) {
    const handler = onPick;
    onPick = null;
    dialog.close();
    if (handler) handler(image);
  }

  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  folders.addEventListener("change", refresh);
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const body = new FormData();
    body.append("file", file.files[0]);
    body.append("folder", folders.value === "*" ? "" : folders.value);
    note.textContent = dialog.dataset.uploading;
    let response = null;
    try {
      response = await fetch(dialog.dataset.uploadUrl, { method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": dialog.dataset.csrf } });
    } catch (error) {
      response = null;
    }
    file.value = "";
    if (response && response.ok) {
      choose(await response.json());
      return;
    }
    let detail = "";
    try { detail = (await response.json()).detail || ""; } catch (error) { detail = ""; }
    note.textContent = dialog.dataset.failed + (detail ? " " + detail : "");
  });

  window.DuoshopImagePicker = {
    open(handler) {
      onPick = handler;
      note.textContent = "";
      dialog.showModal();
      search.focus();
      refresh();
    },
  };

  // Fields made by the image_field macro keep the address in a hidden input; pick_button forms
  // post the picked image's id; a button with data-pick-target fills that input.
  document.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-pick-image]");
    const clear = event.target.closest("[data-clear-image]");
    if (pick) {
      const form = pick.closest("[data-pick-submit]");
      const field = pick.closest("[data-image-field]");
      const target = pick.dataset.pickTarget ? document.getElementById(pick.dataset.pickTarget) : null;
      window.DuoshopImagePicker.open((image) => {
        if (target) {
          target.value = image.url;
          target.dispatchEvent(new Event("input", { bubbles: true }));
        } else if (form) {
          form.querySelector("input[name=library_image_id]").value = image.id;
          form.submit();
        } else if (field) {
          setField(field, image.url);
        }
      });
    } else if (clear) {
      setField(clear.closest("[data-image-field]"), "");
    }
  });

  function setField(field, url) {
    const input = field.querySelector("input[type=hidden]");
    const preview = field.querySelector(".image-field-preview");
    const clearButton = field.querySelector("[data-clear-image]");
    input.value = url;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    preview.hidden = !url;
    if (url) preview.src = url;
    if (clearButton) clearButton.hidden = !url;
  }
})();
