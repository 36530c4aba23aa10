// 四进 — visits recorded with no signal (README, "Offline entry"). Loaded on every page of a logged-in user.
//
// On the visit form (#visit-form) a submit goes by fetch; with no network (navigator.onLine false, or the
// request fails) the visit — its fields and its photo files — is kept in IndexedDB instead and the form is
// emptied for the next one. When the network is back (the "online" event, or any later page load) each kept
// visit is posted again to the form's address, as the form would have posted it: with a fresh CSRF token
// (read from a fresh copy of the form; it changes at login) but its ORIGINAL one-time token, so a visit that
// reached the server once, even if its answer was lost, is saved once (sijin.core.once). A visit the server
// refuses (a 4xx with the form's error messages) stays on the device with the message and a link that opens
// it again in the form. Visits are sent only by the user who recorded them.
//
// The badge in the navbar (#sj-offline-queue, base.html) and the banner on the form (#visit-queue) show how
// many wait. The service worker (/sw.js) is registered here too; it lets the form open with no signal.
(function () {
  "use strict";
  var badge = document.getElementById("sj-offline-queue");
  if (!badge || !window.indexedDB || !window.fetch || !window.FormData || !window.Promise) { return; }
  var user = badge.dataset.user;
  var formPath = new URL(badge.href, location.href).pathname;
  var form = document.getElementById("visit-form");
  var banner = document.getElementById("visit-queue");
  var DB_NAME = "sijin-offline";
  var STORE = "visits";
  var SENT_KEY = "sijin-offline-sent";
  var DRAFT_KEY = "sijin-draft:" + formPath;  // visit_form.js's draft of this form
  // sijin.core.once.MAX_AGE is 7 days: an older token is refused as if spent.
  var TOKEN_MAX_AGE = 6 * 24 * 3600 * 1000;
  var SKIP = {csrfmiddlewaretoken: 1, token: 1, group: 1};
  var note = "";

  function msg(el, name, n) { return (el.dataset[name] || "").replace("{n}", n); }

  // --- IndexedDB: one store of entries {id, user, url, token, fresh, fields, files, created, attempts, error}.
  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function run(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var req = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function entries() {
    return run("readonly", function (s) { return s.getAll(); }).then(function (list) {
      return (list || []).filter(function (e) { return e.user === user; });
    });
  }
  function store(entry) { return run("readwrite", function (s) { return s.put(entry); }); }
  function drop(id) { return run("readwrite", function (s) { return s.delete(id); }); }
  function get(id) { return run("readonly", function (s) { return s.get(id); }); }

  // One-time tokens already sent from this device: a form opened again from the service worker's copy, or
  // kept open after a visit was queued, carries a token that is spent (or about to be); such a visit gets a
  // fresh token when it is sent, before its first attempt, and keeps that one afterwards.
  function sentTokens() {
    try { return JSON.parse(localStorage.getItem(SENT_KEY) || "[]"); } catch (e) { return []; }
  }
  function rememberSent(token) {
    if (!token) { return; }
    var list = sentTokens().filter(function (t) { return t !== token; });
    list.push(token);
    try { localStorage.setItem(SENT_KEY, JSON.stringify(list.slice(-100))); } catch (e) { /* full: no memory */ }
  }

  // --- The badge and the banner.
  function refresh() {
    return entries().then(function (list) {
      var n = list.length;
      badge.textContent = n ? msg(badge, "msg", n) : "";
      badge.classList.toggle("d-none", !n);
      if (!banner) { return; }
      banner.textContent = "";
      banner.classList.toggle("d-none", !n && !note);
      banner.classList.toggle("alert-warning", !!n);
      banner.classList.toggle("alert-success", !n && !!note);
      var head = document.createElement("div");
      head.id = "visit-queue-count";
      head.textContent = n ? msg(banner, "msgPending", n) : note;
      banner.appendChild(head);
      if (!n) { return; }
      var status = document.createElement("div");
      status.className = "small";
      status.textContent = navigator.onLine ? note : msg(banner, "msgOffline");
      banner.appendChild(status);
      list.filter(function (e) { return e.error; }).forEach(function (e) {
        var row = document.createElement("div");
        row.className = "mt-2 visit-queue-refused";
        row.textContent = msg(banner, "msgRefused") + e.error + " ";
        var link = document.createElement("a");
        link.href = e.url.split("#")[0] + "#queued-" + e.id;
        link.textContent = msg(banner, "msgOpen");
        link.className = "alert-link";
        row.appendChild(link);
        banner.appendChild(row);
      });
      if (navigator.onLine && list.some(function (e) { return !e.error; })) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-outline-dark mt-2";
        button.textContent = msg(banner, "msgUpload");
        button.addEventListener("click", function () { window.sijinOffline.flush(); });
        banner.appendChild(button);
      }
    }).catch(function () { /* no IndexedDB (private mode): nothing to show */ });
  }

  // --- Sending what waits.
  function errorsOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var seen = [];
    doc.querySelectorAll("#visit-form .invalid-feedback, #visit-form .alert-danger > div, .errorlist li")
      .forEach(function (el) {
        var text = el.textContent.trim();
        if (text && seen.indexOf(text) === -1) { seen.push(text); }
      });
    if (!seen.length) {
      var alert = doc.querySelector("#visit-form .alert-danger, main h1");
      seen.push(alert ? alert.textContent.trim() : String(html).slice(0, 80));
    }
    return seen.join(" ");
  }

  // "sent" (saved now, or saved before: the server says the token is spent), "next" (refused, kept with its
  // error), "stop" (no network, logged out, server trouble: try again later).
  function sendOne(entry) {
    return fetch(entry.url, {credentials: "same-origin", cache: "no-store"}).then(function (page) {
      if (!page.ok || new URL(page.url).pathname !== formPath) { return "stop"; }
      return page.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var csrf = doc.querySelector("#visit-form [name=csrfmiddlewaretoken]");
        var token = doc.querySelector("#visit-form [name=token]");
        if (!csrf || !token) { return "stop"; }
        if (entry.fresh || (!entry.attempts && Date.now() - entry.created > TOKEN_MAX_AGE)) {
          entry.token = token.value;
          entry.fresh = false;
        }
        entry.attempts = (entry.attempts || 0) + 1;
        return store(entry).then(function () {
          var body = new FormData();
          entry.fields.forEach(function (f) { body.append(f[0], f[0] === "token" ? entry.token : f[1]); });
          body.append("csrfmiddlewaretoken", csrf.value);
          entry.files.forEach(function (f) { body.append(f.name, f.blob, f.filename); });
          return fetch(entry.url, {method: "POST", body: body, credentials: "same-origin"});
        }).then(function (response) {
          var where = new URL(response.url).pathname;
          if (response.redirected && where === formPath) {
            // Saved (…?saved=<id>) or saved before (the token is spent): either way it is on the server.
            rememberSent(entry.token);
            return drop(entry.id).then(function () { return "sent"; });
          }
          if (response.status >= 400 && response.status < 500 && where === formPath) {
            return response.text().then(function (html) {
              entry.error = errorsOf(html);
              return store(entry).then(function () { return "next"; });
            });
          }
          if (response.redirected) { note = msg(banner || badge, "msgLogin"); }
          return "stop";
        });
      });
    }, function () { return "stop"; });
  }

  function sendAll() {
    return entries().then(function (list) {
      var waiting = list.filter(function (e) { return !e.error; });
      if (!waiting.length) { return 0; }
      note = banner ? msg(banner, "msgSending") : "";
      refresh();
      var sent = 0;
      var chain = Promise.resolve(true);
      waiting.forEach(function (entry) {
        chain = chain.then(function (go) {
          if (!go || !navigator.onLine) { return false; }
          return sendOne(entry).then(function (result) {
            if (result === "sent") { sent += 1; }
            return result !== "stop";
          });
        });
      });
      return chain.then(function (finished) {
        if (banner) {
          note = sent ? msg(banner, "msgSent", sent) : (finished ? "" : note === msg(banner, "msgSending") ?
            msg(banner, "msgFailed") : note);
        }
        return sent;
      });
    }).catch(function () {
      note = banner ? msg(banner, "msgFailed") : "";
    }).then(refresh);
  }

  function flush() {
    if (!navigator.onLine) { return refresh(); }
    // One sender at a time, across this site's open tabs too.
    if (navigator.locks) {
      return navigator.locks.request("sijin-offline-visits", {ifAvailable: true}, function (lock) {
        return lock ? sendAll() : null;
      });
    }
    return sendAll();
  }

  // --- The form: keep a visit that cannot go now.
  function capture() {
    var entry = {user: user, url: location.pathname + location.search.replace(/([?&])saved=\d+&?/, "$1"),
      token: "", fresh: false, fields: [], files: [], created: Date.now(), attempts: 0, error: ""};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") { return; }
      if (typeof value === "string") {
        entry.fields.push([name, value]);
        if (name === "token") { entry.token = value; }
      } else if (value.size || value.name) {
        entry.files.push({name: name, blob: value, filename: value.name || "photo.jpg"});
      }
    });
    entry.url = entry.url.replace(/[?&]$/, "");
    return entry;
  }

  function keep(entry, submit) {
    return entries().then(function (list) {
      entry.fresh = sentTokens().indexOf(entry.token) !== -1 ||
        list.some(function (e) { return e.token === entry.token; });
      return store(entry);
    }).then(function () {
      var old = +form.dataset.queuedId;
      delete form.dataset.queuedId;
      return old ? drop(old) : null;
    }).then(function () {
      try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* no draft */ }
      form.reset();
      note = "";
      setTimeout(function () {
        if (submit) { submit.disabled = false; submit.textContent = submit.dataset.sjLabel; }
      }, 0);
      return refresh();
    }).then(function () {
      if (banner) { banner.scrollIntoView({block: "center"}); }
    });
  }

  // Show the server's answer the way a plain submit would have: the page it sent, at its address.
  function show(response, html, entry) {
    var where = new URL(response.url).pathname;
    if (response.redirected && where !== formPath) {  // logged out meanwhile: keep it, then log in
      return keep(entry).then(function () { location.assign(response.url); });
    }
    var done = response.redirected ? Promise.resolve(rememberSent(entry.token)) : Promise.resolve();
    var old = +form.dataset.queuedId;
    if (response.redirected && old) { done = drop(old); }
    return done.then(function () {
      if (response.redirected) { history.replaceState(null, "", response.url); }
      document.open();
      document.write(html);
      document.close();
    });
  }

  function watchForm() {
    var submit = document.getElementById("visit-submit");
    if (submit) { submit.dataset.sjLabel = submit.textContent; }
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      event.preventDefault();
      if (!navigator.onLine) { keep(capture(), submit); return; }
      renewToken().then(function () {
        var entry = capture();
        return fetch(location.href, {method: "POST", body: new FormData(form), credentials: "same-origin"}).then(
          function (response) {
            return response.text().then(function (html) { return show(response, html, entry); });
          },
          function () { return keep(entry, submit); }
        );
      }, function () { return keep(capture(), submit); });
    });
    openQueued();
  }

  // This form's one-time token went with a visit sent or kept from it already (the form stays open after
  // a visit is kept): ask the server for a new one before sending the next visit.
  function renewToken() {
    var input = form.elements.token;
    if (!input) { return Promise.resolve(); }
    return entries().then(function (list) {
      var used = sentTokens().indexOf(input.value) !== -1 ||
        list.some(function (e) { return e.token === input.value; });
      if (!used) { return null; }
      return fetch(location.href, {credentials: "same-origin", cache: "no-store"}).then(function (page) {
        if (!page.ok || new URL(page.url).pathname !== formPath) { return null; }
        return page.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#visit-form [name=token]");
          if (fresh) { input.value = fresh.value; }
        });
      });
    });
  }

  // An entry the server refused, opened again from its link (#queued-<id>): fill the form with it (after
  // visit_form.js has restored its draft: IndexedDB answers later).
  function openQueued() {
    var match = /^#queued-(\d{1,9})$/.exec(location.hash);
    if (!form || !match) { return; }
    get(+match[1]).then(function (entry) {
      if (!entry || entry.user !== user) { return; }
      fill(entry);
      form.dataset.queuedId = entry.id;
      note = msg(banner, "msgOpened");
      refresh();
      form.scrollIntoView();
    });
  }

  function fill(entry) {
    var names = {};
    entry.fields.forEach(function (f) { if (!SKIP[f[0]]) { names[f[0]] = (names[f[0]] || []).concat([f[1]]); } });
    // An unticked box is not in the entry at all: untick it here too (a box ticked by default, or by a draft).
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "checkbox" && !Object.prototype.hasOwnProperty.call(names, el.name)) { el.checked = false; }
    });
    Object.keys(names).forEach(function (name) {
      var values = names[name];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) { return; }
        if (el.type === "checkbox" || el.type === "radio") { el.checked = values.indexOf(el.value) !== -1; }
        else if (el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
        } else if (el.type !== "file") { el.value = values[0]; }
        var details = el.closest("details");
        if (details && el.value && el.type !== "checkbox" && el.type !== "radio") { details.open = true; }
      });
    });
    var groups = {};
    entry.files.forEach(function (f) { (groups[f.name] = groups[f.name] || []).push(f); });
    Object.keys(groups).forEach(function (name) {
      var input = form.elements[name];
      if (!input || !window.DataTransfer) { return; }
      var dt = new DataTransfer();
      groups[name].forEach(function (f) { dt.items.add(new File([f.blob], f.filename, {type: f.blob.type})); });
      input.files = dt.files;
    });
    form.dispatchEvent(new Event("change"));  // visit_form.js saves the draft
  }

  // document.open() on a page shown after a submit keeps this window: bind its events once, to whichever
  // copy of this script ran last.
  window.sijinOffline = {entries: entries, store: store, flush: flush, refresh: refresh, open: openQueued};
  if (!window.sijinOfflineBound) {
    window.sijinOfflineBound = true;
    window.addEventListener("online", function () { window.sijinOffline.flush(); });
    window.addEventListener("offline", function () { window.sijinOffline.refresh(); });
    window.addEventListener("hashchange", function () { window.sijinOffline.open(); });
  }

  if (form) {
    // A copy of the form from the service worker, opened offline: its messages are from another time.
    if (!navigator.onLine) {
      document.querySelectorAll(".alert-dismissible").forEach(function (el) { el.remove(); });
    }
    watchForm();
  }
  if (badge.dataset.sw && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(badge.dataset.sw, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active && navigator.onLine) {
        registration.active.postMessage({type: "warm", url: form ? location.href : badge.href});
      }
    }).catch(function () { /* no worker (plain http, private mode): the queue still works on an open form */ });
  }
  refresh().then(flush);
})();
