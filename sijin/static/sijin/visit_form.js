// 四进 — the visit form (desk/visit_form.html). Keep a half-filled visit across reloads and weak networks:
// every input is saved to localStorage under this page's address and restored on a fresh page; a successful
// save (data-saved) clears it.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var key = "sijin-draft:" + location.pathname;
  var skip = {csrfmiddlewaretoken: 1, token: 1, group: 1};
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skip[el.name] && ["file", "hidden", "submit", "button"].indexOf(el.type) === -1;
    });
  }
  function save() {
    var draft = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { draft[el.name + "=" + el.value] = el.checked; }
      else { draft[el.name] = el.value; }
    });
    try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* private mode: no draft */ }
  }
  if (form.dataset.saved) {
    localStorage.removeItem(key);
    history.replaceState(null, "", location.pathname + location.search.replace(/&saved=\d+/, ""));
  } else if (form.dataset.restore) {
    var draft = null;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (draft) {
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          var k = el.name + "=" + el.value;
          if (k in draft) { el.checked = draft[k]; }
        } else if (el.name in draft) {
          el.value = draft[el.name];
          if (el.value) { var d = el.closest("details"); if (d) { d.open = true; } }
        }
      });
    }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  document.getElementById("visit-clear").addEventListener("click", function () {
    localStorage.removeItem(key);
    location.href = location.pathname + location.search.replace(/[?&]saved=\d+/, "");
  });
  // Double-submit guard on the client; the one-time token guards the server.
  form.addEventListener("submit", function () {
    var b = document.getElementById("visit-submit");
    setTimeout(function () { b.disabled = true; b.textContent = b.dataset.savingLabel; }, 0);
  });
})();
