// Every file input on the page is checked in the browser before anything is sent: a file
// over the size limit, or of a type the input does not accept, is refused next to the field
// (the server refuses it too; this saves sending 20 MB to hear it). The limit and the
// messages come from this script tag's data attributes.
(function () {
  "use strict";
  const script = document.currentScript;
  const maxBytes = Number(script.dataset.maxBytes);
  const tooLarge = script.dataset.tooLarge;
  const wrongType = script.dataset.wrongType;

  function accepted(input, file) {
    const accept = (input.getAttribute("accept") || "").split(",").map((part) => part.trim().toLowerCase()).filter(Boolean);
    if (!accept.length) return true;
    const type = (file.type || "").toLowerCase();
    const name = file.name.toLowerCase();
    return accept.some((rule) => rule.startsWith(".") ? name.endsWith(rule)
      : rule.endsWith("/*") ? type.startsWith(rule.slice(0, -1)) : type === rule);
  }

  function problemOf(input) {
    const limit = Number(input.dataset.maxBytes) || maxBytes;
    for (const file of input.files || []) {
      if (!accepted(input, file)) return wrongType.replace("{name}", file.name);
      if (limit && file.size > limit) return tooLarge.replace("{name}", file.name);
    }
    return "";
  }

  function show(input, problem) {
    let note = input.nextElementSibling;
    if (!note || !note.classList.contains("file-limit")) {
      note = document.createElement("p");
      note.className = "error file-limit";
      note.setAttribute("role", "alert");
      note.id = (input.id || input.name) + "-limit";
      input.after(note);
    }
    note.textContent = problem;
    note.hidden = !problem;
    input.setCustomValidity(problem);
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const problem = problemOf(input);
    show(input, problem);
    if (problem) event.stopImmediatePropagation();  // a script that uploads on change does not send it
  }, true);

  document.addEventListener("submit", (event) => {
    for (const input of event.target.querySelectorAll("input[type=file]")) {
      const problem = problemOf(input);
      if (problem) {
        show(input, problem);
        event.preventDefault();
        input.focus();
        return;
      }
    }
  }, true);
})();
