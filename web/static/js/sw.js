// sw.js is Fieldbase's service worker, served at /sw.js (scope /) by app/offline.go, which puts two lines before
// this file: SHELL, the fingerprinted URLs of the app shell (CSS, scripts, the outbox page, the offline page), and
// SHELL_VERSION, a hash of them, so the worker changes whenever a shell file does.
//
// What it answers (everything else goes to the network untouched: POSTs, the live event stream, htmx partials,
// downloads, the API):
//   - page navigations: the network first; offline, a cached copy of the page (a form's fill page cached by
//     fbOutbox.cacheForm, /outbox), else the offline page;
//   - /static/*: from the caches first (the files are fingerprinted), else the network;
//   - a form's files, the tasks GeoJSON and basemap tiles: the network first, else the copy cacheForm stored.
// Background Sync ("fieldbase-outbox") sends the outbox from here when no page is open (outbox.js).
/* global SHELL, SHELL_VERSION */
"use strict";

importScripts("/static/vendor/idb.umd.js", "/static/js/outbox.js");

var SHELL_CACHE = "fb-shell|" + SHELL_VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (u) { return new Request(u, { credentials: "same-origin", cache: "no-cache" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("fb-shell|") === 0 && k !== SHELL_CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// cachedFirst: the paths whose GETs may be answered from a form's cache when the network fails.
var fallbackPaths = [
  /^\/projects\/\d+\/forms\/[^/]+\.xml$/,
  /^\/projects\/\d+\/forms\/[^/]+\/media\/[^/]+$/,
  /^\/projects\/\d+\/forms\/[^/]+\/fill$/,
  /^\/api\/v1\/projects\/\d+\/forms\/[^/]+(\.xml|\/media\/[^/]+)?$/,
  /^\/api\/v1\/projects\/\d+\/tasks\.geojson$/,
  /^\/api\/v1\/projects\/\d+\/basemaps\/\d+\/tiles\/\d+\/\d+\/\d+$/,
  /^\/odk\/[^/]+\/(formList|forms\/.*)$/,
  /^\/(outbox|offline|manifest\.webmanifest)$/,
];

function fromCache(req) {
  return caches.match(req).then(function (r) {
    return r || caches.match(req, { ignoreSearch: true });
  });
}

function networkFirst(req, fallback) {
  return fetch(req).catch(function (err) {
    return fromCache(req).then(function (r) {
      if (r) {
        return r;
      }
      if (fallback) {
        return caches.match(fallback).then(function (f) { return f || Promise.reject(err); });
      }
      throw err;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET" || req.headers.get("HX-Request") || req.headers.get("Range")) {
    return;
  }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/events/") >= 0 ||
      (req.headers.get("Accept") || "").indexOf("text/event-stream") >= 0) {
    return;
  }
  if (req.mode === "navigate") {
    event.respondWith(networkFirst(req, "/offline"));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (r) {
      return r || fetch(req).catch(function (err) {
        return caches.match(req, { ignoreSearch: true }).then(function (o) { return o || Promise.reject(err); });
      });
    }));
    return;
  }
  for (var i = 0; i < fallbackPaths.length; i++) {
    if (fallbackPaths[i].test(url.pathname)) {
      event.respondWith(networkFirst(req));
      return;
    }
  }
});

// Background Sync: outbox.js registers the "fieldbase-outbox" tag when it queues an item and when a send finds no
// network; the browser fires it once the network is back, with or without a page open. The round fails while
// items still wait, which makes the browser fire it again later (with its own backoff).
self.addEventListener("sync", function (event) {
  if (event.tag === "fieldbase-outbox") {
    event.waitUntil(self.fbOutbox.sync(event.lastChance));
  }
});

self.addEventListener("message", function (event) {
  if (event.data === "flush") {
    event.waitUntil(self.fbOutbox.flush());
  }
});
