// 四进 — the 问题台账's bulk bar opens on demand. Its 承办单位 and 承办人 (some hundreds of options) are not in
// the page: they are fetched the first time the bar opens, from the address in the bar's data-options
// (problems.views.problem_bulk_options, only the units of this page's problems), and put in place of the
// empty selects. Ticking a row opens the bar. Without JS the bar's button is a link to the page with the
// options in it (?bulk=1). No inline script (CSP).
(function () {
  "use strict";

  var loading = false;

  function load(bar) {
    var url = bar.dataset.options;
    if (!url || loading) { return; }
    loading = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fragment = document.createElement("template");
        fragment.innerHTML = html;
        Array.prototype.forEach.call(fragment.content.querySelectorAll("select[id]"), function (fresh) {
          var old = document.getElementById(fresh.id);
          if (old && bar.contains(old)) { old.replaceWith(fresh); }
        });
        delete bar.dataset.options;
        // problem-routing.js offers only the chosen unit's people: tell it the unit list is new.
        var org = document.getElementById("bulk-handling_org");
        if (org) { org.dispatchEvent(new Event("change", { bubbles: true })); }
      })
      .catch(function () {
        var box = document.getElementById("bulk-count");
        if (box) { box.textContent = document.body.dataset.msgNetwork || ""; }
      })
      .then(function () { loading = false; });
  }

  document.addEventListener("show.bs.collapse", function (event) {
    if (event.target.id === "bulk-form") { load(event.target); }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    var bar = document.getElementById("bulk-form");
    if (!bar || !el.checked || (el.name !== "problems" && el.id !== "bulk-all")) { return; }
    if (!bar.classList.contains("show") && window.bootstrap) {
      window.bootstrap.Collapse.getOrCreateInstance(bar, { toggle: false }).show();
    }
  });
})();
