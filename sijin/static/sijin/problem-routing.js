// 四进 — 分级交办: the 承办人 list offers only the people of the chosen 承办单位, and the 问题台账's bulk bar
// counts the ticked rows. Each option of a handler select carries its unit as data-org (problems.forms.
// HandlerSelect); the server refuses a handler of another unit anyway. No inline script (CSP).
(function () {
  "use strict";

  function filterHandlers(orgSelect) {
    var form = orgSelect.form;
    if (!form) { return; }
    var prefix = orgSelect.name.slice(0, -"handling_org".length);
    var handler = form.querySelector('select[name="' + prefix + 'handler"]');
    if (!handler) { return; }
    var org = orgSelect.value;
    Array.prototype.forEach.call(handler.options, function (option) {
      if (!option.value) { return; }  // 不指定
      var other = !org || option.dataset.org !== org;
      option.hidden = other;
      option.disabled = other;  // iOS Safari ignores hidden on <option>
    });
    var chosen = handler.options[handler.selectedIndex];
    if (chosen && chosen.disabled) { handler.value = ""; }
  }

  function isOrgSelect(el) {
    return el && el.tagName === "SELECT" && /(^|-)handling_org$/.test(el.name || "");
  }

  function init(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select"), function (el) {
      if (isOrgSelect(el)) { filterHandlers(el); }
    });
    countTicked();
  }

  // The bulk bar of the 问题台账: "已选 3 件", and the select-all box of the page.
  function countTicked() {
    var out = document.getElementById("bulk-count");
    if (!out) { return; }
    var n = document.querySelectorAll('input[name="problems"]:checked').length;
    out.textContent = out.dataset.template.replace("{n}", n);
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (isOrgSelect(el)) { filterHandlers(el); }
    if (el.id === "bulk-all") {
      Array.prototype.forEach.call(document.querySelectorAll('input[name="problems"]'), function (box) {
        box.checked = el.checked;
      });
    }
    if (el.id === "bulk-all" || el.name === "problems") { countTicked(); }
  });
  if (window.htmx) { htmx.onLoad(init); } else { init(document); }
})();
