// On a phone the console's sections are one row that scrolls sideways: show the current one.
(function () {
  var current = document.querySelector(".topnav [aria-current=page]");
  if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
    current.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();
