// 四进 — "在本机接收推送" on the notifications page: subscribes this browser to Web Push with the server's VAPID
// key (through the service worker at /sw.js, which shows the pushed notifications) and tells the server, or
// unsubscribes it. A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var box = document.getElementById("sj-push");
  var toggle = document.getElementById("sj-push-toggle");
  var state = document.getElementById("sj-push-state");
  if (!box || !toggle || !box.dataset.key || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !window.isSecureContext) { return; }

  function say(text) { state.textContent = text; }

  function keyBytes(base64url) {
    var raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function tell(body) {
    return fetch(box.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf},
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } });
  }

  function show(subscription) {
    toggle.checked = !!subscription;
    toggle.disabled = false;
    say(subscription ? box.dataset.msgOn : box.dataset.msgOff);
  }

  var ready = navigator.serviceWorker.register(box.dataset.sw, {scope: "/"}).then(function () {
    return navigator.serviceWorker.ready;
  });

  ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
    // Tell the server again: it forgets a subscription its push service gave up, or another user took it.
    if (sub) { tell(sub.toJSON()).catch(function () { return null; }); }
    show(sub);
  }).catch(function () { return null; });

  toggle.addEventListener("change", function () {
    toggle.disabled = true;
    ready.then(function (reg) {
      return reg.pushManager.getSubscription().then(function (sub) {
        if (!toggle.checked) {
          if (!sub) { return null; }
          var endpoint = sub.endpoint;
          return sub.unsubscribe().then(function () { return tell({endpoint: endpoint, remove: true}); })
            .then(function () { return null; });
        }
        return Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { throw new Error("denied"); }
          return sub || reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key)});
        }).then(function (made) { return tell(made.toJSON()).then(function () { return made; }); });
      });
    }).then(show).catch(function (error) {
      toggle.checked = false;
      toggle.disabled = false;
      say(error && error.message === "denied" ? box.dataset.msgDenied : box.dataset.msgFailed);
    });
  });
})();
