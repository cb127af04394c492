// Statement page: a focused line row accepts its proposal with the "a" key (the row's Accept
// button does the same); after a row is replaced in place, the new row keeps the focus.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var row = event.target;
    if (!row.matches || !row.matches("tbody.line") || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === "a" || event.key === "A") {
      var accept = row.querySelector("button.accept");
      if (accept) {
        event.preventDefault();
        accept.click();
      }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id && target.id.indexOf("line-") === 0) {
      var row = document.getElementById(target.id);
      if (row && !row.contains(document.activeElement)) {
        var field = row.querySelector("[aria-invalid='true'], .line-editor input[type='search']");
        (field || row).focus();
      }
    }
  });
})();
