// The field builder of a target kind's attributes (campaigns.builder.SchemaBuilder): add a row, move a row up or
// down. Rows are named <field>-<i>-<part> in the order shown; the server reads them in that order. Events are
// delegated, so builders in inline rows added later (Django's “add another”) work too.
(function () {
  "use strict";

  function renumber(builder) {
    var marker = builder.querySelector(".sj-sb-marker");
    var base = marker.name.replace(/-rows$/, "");
    builder.querySelectorAll(".sj-sb-row").forEach(function (row, i) {
      row.querySelectorAll("[data-part]").forEach(function (input) {
        input.name = base + "-" + i + "-" + input.dataset.part;
      });
    });
  }

  function addRow(builder) {
    var rows = builder.querySelector(".sj-sb-rows");
    var all = rows.querySelectorAll(".sj-sb-row");
    if (all.length >= Number(builder.dataset.max || 50) + 1) return;
    var row = all[all.length - 1].cloneNode(true);
    row.classList.remove("sj-sb-bad");
    row.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
    row.querySelectorAll("input").forEach(function (input) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
    });
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    rows.appendChild(row);
    renumber(builder);
    row.querySelector("[data-part=label]").focus();
  }

  function move(row, up) {
    var other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other) return;
    row.parentNode.insertBefore(row, up ? other : other.nextElementSibling);
    renumber(row.closest(".sj-schema-builder"));
    (up ? row.querySelector(".sj-sb-up") : row.querySelector(".sj-sb-down")).focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".sj-schema-builder button");
    if (!button) return;
    if (button.classList.contains("sj-sb-add")) addRow(button.closest(".sj-schema-builder"));
    else if (button.classList.contains("sj-sb-up")) move(button.closest(".sj-sb-row"), true);
    else if (button.classList.contains("sj-sb-down")) move(button.closest(".sj-sb-row"), false);
  });
})();
