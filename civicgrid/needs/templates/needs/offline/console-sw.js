/* CivicGrid's console service worker: a grid worker's need pages, readable without signal.
 *
 * - Static files: the stored copy first (their names change when they do).
 * - Need pages (the list and each need): the network first; when it fails, or has not answered
 *   within WAIT ms on a weak signal, the copy kept on the phone. Each page says when it was
 *   rendered, and console-offline.js shows that time on a kept copy.
 * - Pages are kept when visited and when console-offline.js asks ("keep" with a list of
 *   addresses: the "my needs" list and every need on it). "forget" drops them (logging out).
 * - Nothing is posted from here: console-offline.js queues what is done without signal.
 */
"use strict";

const VERSION = {{ version|safe }};
const SHELL = {{ shell|safe }};
const STATIC = {{ static_prefix|safe }};
const SCOPE = {{ scope|safe }};
const LOGIN = {{ login|safe }};
const WAIT = 6000;

const OWN = (k) => k.startsWith("civicgrid-console-");

{% include "needs/offline/_lifecycle.js" %}
// A page worth keeping: a full page (not an htmx fragment), not a login page after a redirect.
function keepable(response) {
  return (
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html")
  );
}

function keep(url, response) {
  if (keepable(response)) {
    const copy = response.clone();
    return caches.open(VERSION).then((cache) => cache.put(url, copy)).then(() => response);
  }
  return Promise.resolve(response);
}

function kept(url) {
  return caches.open(VERSION).then((cache) => cache.match(url, { ignoreVary: true }));
}

// What a page not kept on this phone says without signal (the text comes from the page that
// asked to keep pages, in its language).
let notKept = "Not kept on this phone.";

function notKeptPage() {
  const html =
    '<!DOCTYPE html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    '<body style="font:18px/1.5 sans-serif;padding:1rem"><p>' +
    notKept.replace(/[<&]/g, "") +
    '</p><p><a href="' + SCOPE + '?tab=mine">&larr;</a></p></body>';
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function page(request) {
  const url = request.url;
  const network = fetch(request).then((response) => keep(url, response));
  const slow = new Promise((resolve) => setTimeout(resolve, WAIT, null));
  return Promise.race([network.catch(() => null), slow]).then((first) => {
    if (first) {
      return first;
    }
    // No answer (yet): the kept copy if there is one, else wait for the network after all.
    return kept(url).then((hit) => hit || network.catch(() => notKeptPage()));
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((r) => keep(request.url, r)))
    );
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE) && url.pathname !== LOGIN) {
    event.respondWith(page(request));
  }
});

// Keep the pages console-offline.js names (fetched with the grid worker's session), or forget
// them all. Answers how many were kept.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const answer = (value) => port && port.postMessage(value);
  if (data.notKept) {
    notKept = String(data.notKept);
  }
  if (data.type === "keep") {
    event.waitUntil(
      Promise.all(
        (data.urls || []).map((u) =>
          fetch(u, { credentials: "same-origin" })
            .then((response) => keep(u, response))
            .then(keepable)
            .catch(() => false)
        )
      ).then((results) => answer({ kept: results.filter(Boolean).length }))
    );
  } else if (data.type === "forget") {
    event.waitUntil(
      caches
        .keys()
        .then((keys) => Promise.all(keys.filter((k) => k.startsWith("civicgrid-console-")).map((k) => caches.delete(k))))
        .then(() => answer({ forgotten: true }))
    );
  }
});
