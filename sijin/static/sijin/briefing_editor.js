// 简报 page: the rich text editor (Quill 2, vendored under vendor/quill/) over the body's text box.
// Without JavaScript the text box stays, where a line starting with "# " is a heading. Whatever is sent, the
// server keeps only what a briefing needs (sijin/reports/briefing/body.py: headings, paragraphs, bold and
// italic, lists, tables) and numbers the headings itself (一、 (一)) when it shows or prints the briefing.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea[data-briefing-body]");
  var holder = document.getElementById("briefing-editor");
  var toolbar = document.getElementById("briefing-toolbar");
  if (!textarea || !holder || !toolbar || typeof window.Quill === "undefined") { return; }

  var table;
  function inTable(action) {
    return function () { table[action](); };
  }
  toolbar.hidden = false;
  holder.hidden = false;
  var quill = new window.Quill(holder, {
    theme: "snow",
    formats: ["header", "bold", "italic", "list", "table"],
    modules: {
      table: true,
      toolbar: {
        container: toolbar,
        handlers: {
          "table-insert": function () { table.insertTable(3, 3); },
          "table-row": inTable("insertRowBelow"),
          "table-column": inTable("insertColumnRight"),
          "table-row-delete": inTable("deleteRow"),
          "table-column-delete": inTable("deleteColumn")
        }
      }
    }
  });
  table = quill.getModule("table");
  quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
  quill.history.clear();
  textarea.hidden = true;
  var label = document.getElementById("briefing-body-label");
  if (label) { quill.root.setAttribute("aria-labelledby", label.id); }
  quill.root.setAttribute("aria-describedby", textarea.id + "_helptext");

  // The form sends the editor's HTML in the text box's place.
  textarea.form.addEventListener("submit", function () {
    textarea.value = quill.getSemanticHTML();
  });
})();
