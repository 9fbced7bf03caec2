// The driver app's service worker (served at /sw.js, scope /driver): the page shell is cached when installed;
// each driver page is fetched from the network first and kept, so with the network off the last one received is
// shown (it carries the time it was read, and static/driver.js says how old it is).
"use strict";
var VERSION = "cuakhau-driver-v1";
var SLOW_MS = 4000;
var SHELL = [
  "/static/cuakhau.css",
  "/static/driver.js",
  "/static/driver-icon.svg",
  "/static/driver-icon-192.png"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== VERSION; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isDriverPage(url) {
  return url.origin === self.location.origin && (url.pathname === "/driver" || url.pathname.indexOf("/driver/") === 0);
}

function forget(cache) {  // signed out: the last trip is nobody's business any more
  return cache.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return isDriverPage(new URL(k.url)); })
      .map(function (k) { return cache.delete(k); }));
  });
}

function fromCache(cache, request) {
  return cache.match(request).then(function (hit) { return hit || cache.match(request, { ignoreSearch: true }); });
}

// The network first; the last page kept when the network fails, or when it is slower than SLOW_MS (a bad line):
// the network's answer still refreshes the kept page when it comes.
function networkFirst(request) {
  return caches.open(VERSION).then(function (cache) {
    var network = fetch(request).then(function (response) {
      if (response.type === "opaqueredirect" || response.redirected || response.status === 401) {
        forget(cache);
      } else if (response.ok) {
        cache.put(request, response.clone());
      }
      return response;
    });
    return new Promise(function (resolve) {
      var done = false;
      function answer(response) { if (!done && response) { done = true; resolve(response); } }
      network.then(answer, function () {
        fromCache(cache, request).then(function (hit) { answer(hit || Response.error()); });
      });
      setTimeout(function () { fromCache(cache, request).then(answer); }, SLOW_MS);
    });
  });
}

function cacheFirst(request) {
  return caches.open(VERSION).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      }).catch(function () { return hit || Response.error(); });
      return hit || fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (isDriverPage(url)) {
    event.respondWith(networkFirst(request));
  } else if (url.origin === self.location.origin && SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(cacheFirst(request));
  }
});
