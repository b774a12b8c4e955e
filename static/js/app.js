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

// Notifications on this device (the preferences page): ask the browser, subscribe with the
// server's VAPID key, and hand the subscription to the server. Nothing here runs elsewhere.
(function () {
  "use strict";

  var button = document.querySelector("[data-push-enable]");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  document.querySelector("[data-push-controls]").hidden = false;
  document.querySelector("[data-push-unsupported]").hidden = true;
  var status = document.querySelector("[data-push-status]");

  function bytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Turning them on…";
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error("Notifications are blocked for this site in your browser's settings.");
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(button.dataset.vapidKey) });
      })
      .then(function (subscription) {
        return fetch(button.dataset.subscribeUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": JSON.parse(document.body.dataset.hxHeaders)["X-CSRFToken"] },
          body: JSON.stringify(subscription.toJSON()),
        });
      })
      .then(function (response) {
        if (response.ok) return window.location.reload();
        return response.json().then(function (answer) { throw new Error(answer.error); });
      })
      .catch(function (error) {
        status.textContent = (error && error.message) || "That did not work. Please try again.";
        button.disabled = false;
      });
  });
})();

// Logging out also turns this device's notifications off, so that whoever uses the browser next
// gets none of them. If that takes more than a moment, the log-out goes ahead anyway.
(function () {
  "use strict";

  if (!("serviceWorker" in navigator)) return;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-log-out]") || form.dataset.pushChecked) return;
    event.preventDefault();
    form.dataset.pushChecked = "1";
    var unsubscribed = navigator.serviceWorker.getRegistration()
      .then(function (registration) { return registration && registration.pushManager && registration.pushManager.getSubscription(); })
      .then(function (subscription) { return subscription && subscription.unsubscribe(); })
      .catch(function () {});
    var moment = new Promise(function (resolve) { setTimeout(resolve, 1500); });
    Promise.race([unsubscribed, moment]).then(function () { form.submit(); });
  });
})();

// "Print this brief" (the counselor's pre-session page): the browser's own print dialog.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
