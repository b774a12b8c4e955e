// TrustApp's only script of its own (htmx does the rest). No inline script anywhere: the CSP forbids it.

// "Leave quickly": go to a neutral site, replacing the current page so that the back button does
// not return to it. Pressing Escape twice in a row does the same.
(function () {
  "use strict";

  function leave(url) {
    window.location.replace(url);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    leave(link.href);
  });

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    var link = document.querySelector("[data-quick-exit]");
    if (link && now - lastEscape < 600) leave(link.href);
    lastEscape = now;
  });
})();
