// 四进 — the visit's location on the visit form (desk/visit_form.html, #visit-location). Nothing is located
// until the cadre presses 获取当前位置: the phone's position (navigator.geolocation, WGS 84) fills the visit's
// 纬度/经度 (6 decimals, read-only inputs, so the draft, the offline queue and the form post carry them like any
// other field), and each problem offers 问题位置同走访位置 (ticked by default). 清除 empties them again. The
// accuracy the phone reports is shown, not stored. Loaded after visit_form.js, which restores a draft first.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  var box = document.getElementById("visit-location");
  if (!form || !box) { return; }
  var button = document.getElementById("visit-locate");
  var clear = document.getElementById("visit-location-clear");
  var status = document.getElementById("visit-location-status");
  var fields = document.getElementById("visit-location-fields");
  var lat = form.elements.latitude;
  var lng = form.elements.longitude;

  function say(name, n) {
    status.textContent = (box.dataset[name] || "").replace("{n}", n);
  }

  // Show what the inputs hold: the coordinates, 清除, and each problem's 同走访位置 only with a location.
  function sync() {
    var located = !!(lat.value && lng.value);
    var invalid = !!fields.querySelector(".is-invalid");
    fields.classList.toggle("d-none", !located && !invalid);
    clear.hidden = !located && !lat.value && !lng.value;
    form.querySelectorAll(".sj-at-visit").forEach(function (el) { el.classList.toggle("d-none", !located); });
  }

  function changed() {
    form.dispatchEvent(new Event("change"));  // visit_form.js saves the draft
  }

  function located(position) {
    var c = position.coords;
    lat.value = c.latitude.toFixed(6);
    lng.value = c.longitude.toFixed(6);
    [lat, lng].forEach(function (el) { el.classList.remove("is-invalid"); });
    fields.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    button.disabled = false;
    say("msgLocated", Math.max(1, Math.round(c.accuracy || 0)));
    sync();
    changed();
  }

  function failed(error) {
    button.disabled = false;
    var names = {1: "msgDenied", 2: "msgUnavailable", 3: "msgTimeout"};
    say(names[error && error.code] || "msgUnavailable");
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { say("msgUnsupported"); return; }
    button.disabled = true;
    say("msgLocating");
    navigator.geolocation.getCurrentPosition(located, failed,
      {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  });
  clear.addEventListener("click", function (event) {
    event.preventDefault();
    lat.value = "";
    lng.value = "";
    say("msgCleared");
    sync();
    changed();
  });
  // A draft restored, a queued visit opened again (offline-visits.js fills the form and fires "change").
  form.addEventListener("change", sync);
  form.addEventListener("reset", function () { setTimeout(sync, 0); });  // a visit kept offline empties it
  sync();
})();
