/* The packing-list page: "tick all" ticks every packing list on the page for the buttons
   above them; without this script each box is ticked by hand. No inline code (CSP). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-pick-all]")) return;
    document.querySelectorAll('input[name="packing"][form="packing-bulk"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
}());
