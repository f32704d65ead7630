// The product details editor: Quill (from npm, no build step) over the form's <textarea>,
// which stays the one thing the form posts (the server sanitises it with nh3 as before).
// Without this script, or without Quill, the textarea simply stays as it was.
(function () {
  "use strict";
  const textarea = document.querySelector("textarea[data-rich-text]");
  if (!textarea || !window.Quill) return;
  const holder = document.createElement("div");
  holder.className = "details-editor";
  holder.id = textarea.id + "-editor";
  textarea.hidden = true;
  textarea.after(holder);
  const toolbar = [
    [{ header: [2, 3, false] }],
    ["bold", "italic", "underline", "strike"],
    [{ list: "ordered" }, { list: "bullet" }, "blockquote"],
    ["link", "image"],
    ["clean"],
  ];
  const quill = new window.Quill(holder, {
    theme: "snow",
    placeholder: textarea.placeholder || "",
    modules: { toolbar: { container: toolbar, handlers: { image: insertImage } } },
  });
  // Quill names its heading choices in English through CSS; these labels say them in the page's language.
  const headings = JSON.parse(textarea.dataset.headingLabels || "{}");
  holder.previousElementSibling.querySelectorAll(".ql-header .ql-picker-item").forEach((item) => {
    const label = headings[item.dataset.value || ""];
    if (label) item.dataset.label = label;
  });
  quill.clipboard.dangerouslyPasteHTML(textarea.value || "", "silent");
  quill.root.setAttribute("aria-labelledby", textarea.id + "-label");
  quill.root.setAttribute("role", "textbox");
  quill.root.setAttribute("aria-multiline", "true");
  if (textarea.closest("fieldset[disabled]")) quill.disable();

  function insertImage() {
    if (!window.DuoshopImagePicker) return;
    const range = quill.getSelection(true);
    window.DuoshopImagePicker.open((image) => {
      quill.insertEmbed(range.index, "image", image.url, "user");
      quill.setSelection(range.index + 1, 0, "silent");
    });
  }

  function sync() {
    // Semantic HTML: real <ul>/<ol> rather than Quill's data-list markup; an empty editor posts "".
    const html = quill.getLength() > 1 ? quill.getSemanticHTML().replace(/&nbsp;/g, " ") : "";
    textarea.value = html;
  }
  quill.on("text-change", sync);
  textarea.form.addEventListener("submit", sync);
})();
