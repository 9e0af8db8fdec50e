// Install and activate, the same in both workers. Each defines VERSION, SHELL and OWN (which of
// the site's caches are its own: both workers share the site's storage).
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => keys.filter((k) => OWN(k) && k !== VERSION))
      .then((old) => Promise.all(old.map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
