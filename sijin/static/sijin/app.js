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
