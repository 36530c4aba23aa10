// 四进 — the service worker, served at /sw.js (scope "/") by sijin.desk.pwa.service_worker.
//
// It keeps just enough for the visit form to open with no signal: the form page itself (network first,
// the last good copy when the network fails) and the static files (from the cache, refreshed behind the
// scenes, because their names carry no hash). No other page is ever stored: they hold case data, and the
// server marks them no-store. The stored form is dropped at every login and logout, so the next user of a
// shared phone never opens the previous user's form. The visits queued offline live in IndexedDB
// (offline-visits.js), not here.
"use strict";

var VERSION = "sijin-v1";  // bump to drop every cache of an older worker
var PAGES = VERSION + "-pages";
var STATIC = VERSION + "-static";
var FORM = "/visits/new/";
var STATIC_PREFIX = "/static/";
var SESSION_POSTS = ["/login/", "/logout/"];

// The form for one work group (?group=5), whatever other parameters (saved=…) the address carries.
function formKey(url) {
  var key = new URL(FORM, self.location.origin);
  var group = url.searchParams.get("group");
  if (group && /^\d{1,18}$/.test(group)) { key.searchParams.set("group", group); }
  return key.href;
}

function isForm(response, url) {
  return response.ok && response.type === "basic" && new URL(response.url || url.href).pathname === FORM &&
    (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// The files a stylesheet loads (the icon font), at the addresses the browser will ask for.
function cssFiles(cache, path) {
  return cache.match(path).then(function (hit) { return hit ? hit.text() : ""; }).then(function (css) {
    var urls = [];
    css.replace(/url\(["']?([^"')]+)["']?\)/g, function (_, ref) {
      var url = new URL(ref, new URL(path, self.location.origin));
      if (url.origin === self.location.origin && url.pathname.indexOf(STATIC_PREFIX) === 0) { urls.push(url.href); }
      return _;
    });
    return Promise.all(urls.map(function (url) {
      return cache.match(url).then(function (hit) { return hit || cache.add(url); });
    }));
  }).catch(function () { return null; });
}

// Fetch the form (and the files it loads) while the network is there, so that it opens offline later.
function warm(groupUrl) {
  var url = new URL(groupUrl || FORM, self.location.origin);
  return fetch(url.href, {credentials: "same-origin", redirect: "follow"}).then(function (response) {
    if (response.redirected || !isForm(response, url)) { return null; }
    var copy = response.clone();
    return Promise.all([caches.open(PAGES).then(function (c) { return c.put(formKey(url), copy); }),
      response.text()]).then(function (done) {
      var files = [];
      done[1].replace(/(?:src|href)="(\/static\/[^"?#]+)"/g, function (_, path) { files.push(path); return _; });
      return caches.open(STATIC).then(function (cache) {
        return Promise.all(files.map(function (path) {
          return cache.match(path).then(function (hit) { return hit || cache.add(path); }).then(function () {
            return /\.css$/.test(path) ? cssFiles(cache, path) : null;
          });
        }));
      });
    });
  }).catch(function () { return null; });
}

self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(warm());
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(VERSION + "-") !== 0; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "warm") {
    event.waitUntil(caches.open(PAGES).then(function (cache) {
      return cache.match(formKey(new URL(data.url || FORM, self.location.origin)));
    }).then(function (hit) { return hit ? null : warm(data.url); }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  }
});

function fromNetworkFirst(request, url) {
  return fetch(request).then(function (response) {
    if (isForm(response, url) && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(formKey(url), copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(formKey(url)).then(function (hit) {
        return hit || cache.match(FORM, {ignoreSearch: true});
      });
    }).then(function (hit) {
      if (hit) { return hit; }
      throw error;
    });
  });
}

function fromCacheFirst(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") { cache.put(request, response.clone()); }
        return response;
      });
      if (hit) {
        fresh.catch(function () { return null; });
        return hit;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && SESSION_POSTS.indexOf(url.pathname) !== -1) {
    // Another user may come next: forget the stored form (it names this user's group, targets, people).
    event.waitUntil(caches.delete(PAGES));
    if (url.pathname === "/logout/") { event.waitUntil(pushOff()); }  // nor push them this user's news
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(fromCacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname === FORM) {
    event.respondWith(fromNetworkFirst(request, url));
  }
});

// Web Push (notifications.js subscribes this browser on the notifications page): show each pushed notification,
// and open its page (/notifications/<id>/, which marks it read) when it is clicked.
var NOTIFICATIONS = "/notifications/";

function pushOff() {
  // The server forgets the subscription when its push service answers 410 Gone at the next notification.
  return self.registration.pushManager.getSubscription().then(function (sub) {
    return sub ? sub.unsubscribe() : null;
  }).catch(function () { return null; });
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "四进", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/sijin/icons/icon-192.png",
    lang: "zh-CN",
    data: {url: data.url || NOTIFICATIONS}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data || {}).url || NOTIFICATIONS, self.location.origin);
  if (url.origin !== self.location.origin) { url = new URL(NOTIFICATIONS, self.location.origin); }
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url.href && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url.href);
  }));
});
