{% autoescape off %}// TrustApp's service worker. It keeps one thing on the device: a page to show when there is no
// connection, with the files it needs. Pages, polls and forms always go to the network and are
// never stored here, so nothing anyone wrote is ever kept in the browser's caches.
"use strict";

const CACHE = "trustapp-offline-{{ version }}";
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const KEPT = [{% for url in kept %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // From the network, never stored; the offline page only when the network fails.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (KEPT.includes(new URL(request.url).pathname)) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
  }
  // Everything else (htmx requests, polls, other files) goes to the network untouched.
});

// Notifications (trustapp/accounts/push.py): a fixed sentence and a link into the app, nothing
// anyone wrote. A link that is not a path of this site is never opened.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const url = typeof message.url === "string" && /^\/(?!\/)/.test(message.url) ? message.url : "/space/";
  event.waitUntil(
    self.registration.showNotification(message.title || "TrustApp", {
      body: message.body || "Something changed in your space.",
      icon: "{{ icon|escapejs }}",
      tag: "trustapp",
      data: { url },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
{% endautoescape %}
