// 四进 — the region picker. A <select data-region-picker> lists the regions in the user's scope as a tree, each
// option indented by one full-width space per level (or carrying data-level); it works as it is without script.
// Here it becomes cascading selects, 省 → 市 → 县 → …: each shows the children of the choice above it, and
// the deepest choice is what the original (now hidden) select submits.
(function () {
  "use strict";
  var INDENT = /^\u3000*/;

  function levelOf(option) {
    if (option.dataset.level) { return parseInt(option.dataset.level, 10); }
    return option.textContent.match(INDENT)[0].length;
  }

  function enhance(select) {
    // The tree, from the options' order (parents come before their children).
    var nodes = [], stack = [], emptyLabel = "";
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { emptyLabel = option.textContent; return; }
      var node = {value: option.value, label: option.textContent.replace(INDENT, ""),
                  level: levelOf(option), children: []};
      while (stack.length && stack[stack.length - 1].level >= node.level) { stack.pop(); }
      node.parent = stack.length ? stack[stack.length - 1] : null;
      (node.parent ? node.parent.children : nodes).push(node);
      stack.push(node);
    });
    if (!nodes.length) { return; }
    var byValue = {};
    (function index(list) { list.forEach(function (n) { byValue[n.value] = n; index(n.children); }); })(nodes);

    var box = document.createElement("div");
    box.className = "sj-region-picker";
    select.parentNode.insertBefore(box, select.nextSibling);
    select.hidden = true;
    var label = select.id ? document.querySelector("label[for='" + select.id + "']") : null;

    function chain(value) {
      var path = [], node = byValue[value];
      while (node) { path.unshift(node); node = node.parent; }
      return path;
    }

    function render() {
      box.textContent = "";
      var path = chain(select.value), list = nodes, depth = 0;
      while (list && list.length) {
        var sub = document.createElement("select");
        sub.className = select.className;
        sub.setAttribute("aria-label", (label ? label.textContent.trim() : "") + " " + (depth + 1));
        if (depth === 0 && select.id) {
          sub.id = select.id + "_picker";
          if (label) { label.htmlFor = sub.id; }
        }
        var blank = document.createElement("option");
        blank.value = depth ? path[depth - 1].value : "";
        blank.textContent = depth ? "—" : emptyLabel;
        sub.appendChild(blank);
        var chosen = path[depth];
        list.forEach(function (n) {
          var o = document.createElement("option");
          o.value = n.value;
          o.textContent = n.label;
          if (chosen && chosen.value === n.value) { o.selected = true; }
          sub.appendChild(o);
        });
        sub.dataset.depth = String(depth);
        sub.addEventListener("change", function (e) {
          var at = e.target.dataset.depth;
          select.value = e.target.value;
          render();
          box.querySelector("select[data-depth='" + at + "']").focus();  // keep the keyboard where it was
        });
        box.appendChild(sub);
        if (!chosen) { break; }
        list = chosen.children;
        depth += 1;
      }
    }
    render();
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-region-picker]"), enhance);
})();
