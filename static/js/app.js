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

// The site menu on a phone is a <details>: it opens and closes without this script. This only
// closes it with Escape (focus back on "Menu") or a click elsewhere, and on a wide screen, where
// the links sit in the header's row, keeps it open for browsers that cannot style it so.
(function () {
  "use strict";

  var menu = document.querySelector("[data-site-menu]");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 48rem)");

  function fit() {
    menu.open = wide.matches;
  }
  fit();
  if (wide.addEventListener) wide.addEventListener("change", fit);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || wide.matches || !menu.open) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  document.addEventListener("click", function (event) {
    if (wide.matches || !menu.open || menu.contains(event.target)) return;
    menu.open = false;
  });
})();

// The installable app: the service worker keeps only a page to show offline (templates/sw.js).
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      // Without it the site works exactly the same, only without the offline page.
    });
  });
}
