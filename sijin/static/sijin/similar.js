// 四进 — 可能相同的问题 while a problem's title is typed. A form opts in with data-sj-similar-url (the visit form:
// problems:problem_similar); every input named "…title" then asks it, after a pause in typing, for the open
// problems like that title near the row's target, and shows the answer (an HTML fragment) under the field.
// With no network nothing is shown: the proposal is a help, never a condition for saving.
(function () {
  "use strict";
  var MIN = 3;
  var PAUSE = 400;
  function targetOf(form, el) {
    var row = form.elements[el.name.replace(/title$/, "target")];
    if (row && row.value) { return row.value; }
    var picked = form.querySelector('input[name="targets"]:checked, select[name="targets"] option:checked');
    return picked ? picked.value : "";
  }
  function boxFor(el) {
    var holder = el.closest(".mb-3") || el;
    var box = holder.nextElementSibling;
    if (!box || !box.classList.contains("sj-similar-box")) {
      box = document.createElement("div");
      box.className = "sj-similar-box";
      holder.insertAdjacentElement("afterend", box);
    }
    return box;
  }
  document.querySelectorAll("form[data-sj-similar-url]").forEach(function (form) {
    var url = form.getAttribute("data-sj-similar-url");
    var timers = {};
    var asked = 0;
    function look(el) {
      var title = el.value.trim();
      var box = boxFor(el);
      if (title.length < MIN) { box.innerHTML = ""; return; }
      var query = new URLSearchParams({title: title});
      var target = targetOf(form, el);
      if (target) { query.set("target", target); }
      var mine = ++asked;
      el.setAttribute("data-sj-asked", String(mine));
      fetch(url + "?" + query.toString(), {headers: {"HX-Request": "true"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (el.getAttribute("data-sj-asked") === String(mine)) { box.innerHTML = html; }
        })
        .catch(function () { /* offline: no proposal */ });
    }
    form.addEventListener("input", function (ev) {
      var el = ev.target;
      if (!el.name || !/-title$/.test(el.name)) { return; }
      clearTimeout(timers[el.name]);
      timers[el.name] = setTimeout(function () { look(el); }, PAUSE);
    });
  });
})();
