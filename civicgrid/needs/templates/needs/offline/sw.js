/* CivicGrid's service worker: the resident pages' shell, kept on the device for when there is
 * no signal. Pages: network first (a fresh page when there is signal), the stored copy when
 * there is none. Static files: stored copy first (their names change when they do).
 * Nothing is posted from here: offline.js keeps a form sent without signal and sends it later.
 */
"use strict";

const VERSION = {{ version|safe }};
const SHELL = {{ shell|safe }};
const STATIC = {{ static_prefix|safe }};
// The pages a resident may need without signal: home, the category list, a category's form,
// the two lookups. A tracking page or a receipt is personal and never stored.
const SHELL_PAGE = /^\/(raise\/([\w-]+\/)?|track\/(phone\/)?)?$/;

// Its own earlier caches only: the console's worker keeps its caches on the same site.
const OWN = (k) => !k.startsWith("civicgrid-console-");

{% include "needs/offline/_lifecycle.js" %}
function storeCopy(request, response) {
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(VERSION).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (!SHELL_PAGE.test(url.pathname)) {
      return;
    }
    event.respondWith(
      fetch(request)
        .then((response) => storeCopy(request, response))
        .catch(() =>
          caches
            .match(request)
            .then((hit) => hit || caches.match(url.pathname, { ignoreSearch: true }))
            .then((hit) => hit || caches.match("/"))
        )
    );
    return;
  }
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((r) => storeCopy(request, r)))
    );
  }
});
