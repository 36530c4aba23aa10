// 四进 — small site behaviour. Loaded after htmx and Bootstrap; no dependencies of its own.
(function () {
  "use strict";

  // Tell the user when an htmx request fails instead of silently doing nothing (weak networks).
  function toast(text) {
    var box = document.getElementById("sj-toasts");
    if (!box || !window.bootstrap) { return; }
    var el = document.createElement("div");
    el.className = "toast text-bg-danger border-0";
    el.setAttribute("role", "alert");
    el.innerHTML = '<div class="d-flex"><div class="toast-body"></div>' +
      '<button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
    el.querySelector(".toast-body").textContent = text;
    box.appendChild(el);
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
    new bootstrap.Toast(el, { delay: 6000 }).show();
  }
  document.body.addEventListener("htmx:sendError", function () { toast(document.body.dataset.msgNetwork); });
  document.body.addEventListener("htmx:responseError", function () { toast(document.body.dataset.msgServer); });

  // Plain (non-htmx) forms: disable the submit button once clicked so a slow network does not cause
  // double submissions. Done after the event so the button's name/value is still sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || event.defaultPrevented || event.target.hasAttribute("hx-post")) { return; }
    setTimeout(function () { button.disabled = true; button.dataset.sjOnce = "1"; }, 0);
  });
  // A select that switches the page (data-sj-submit-on-change) submits its form when changed: the
  // Content-Security-Policy allows no onchange="" attribute.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.form && el.hasAttribute("data-sj-submit-on-change")) { el.form.submit(); }
  });

  // Widths computed on the server (progress bars) come as data-sj-width="42", set here through the
  // style object, which the policy allows, unlike a style="" attribute. Also for htmx-swapped content.
  function applyWidths(root) {
    var els = Array.prototype.slice.call(root.querySelectorAll("[data-sj-width]"));
    if (root.hasAttribute && root.hasAttribute("data-sj-width")) { els.push(root); }
    els.forEach(function (el) { el.style.width = Math.max(0, Math.min(100, +el.dataset.sjWidth || 0)) + "%"; });
  }
  if (window.htmx) { htmx.onLoad(applyWidths); } else { applyWidths(document); }

  // "返回上一页" on the error pages: the browser's Back when there is a page to go back to (the link's own
  // address, the workbench, otherwise).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-sj-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // Coming back with the browser's Back button restores the page from cache: re-enable buttons.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("[data-sj-once]").forEach(function (b) {
        b.disabled = false;
        delete b.dataset.sjOnce;
      });
    }
  });
})();
