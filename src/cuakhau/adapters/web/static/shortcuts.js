// Keyboard shortcuts of the officer pages, listed in the page footer ("Keyboard shortcuts"):
//   /      focus the plate search (or the page's first search field)
//   g w    my worklist at this gate          g d    the gate's dashboard
//   j / k  next / previous truck in a list   ?      show or hide the list of shortcuts
// Keys typed into a field, or with Ctrl/Alt/Meta, are left alone. No library.
(function () {
  "use strict";
  var pending = null;
  var pendingAt = 0;

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function gate() {
    var m = /^\/gates\/([^\/]+)\//.exec(window.location.pathname);
    if (m) { return decodeURIComponent(m[1]); }
    var link = document.querySelector("a[data-gate-link]");
    return link ? link.getAttribute("data-gate-link") : null;
  }

  function go(page) {
    var id = gate();
    if (id) { window.location.href = "/gates/" + encodeURIComponent(id) + "/" + page; }
  }

  function move(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("a[data-row]"));
    if (!rows.length) { return; }
    var at = rows.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
    rows[next].focus();
  }

  function help() {
    var box = document.getElementById("shortcuts");
    if (!box) { return; }
    box.open = !box.open;
    if (box.open) { box.querySelector("summary").focus(); }
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || typing(ev.target)) { return; }
    var key = ev.key;
    if (pending === "g" && Date.now() - pendingAt < 1500) {
      pending = null;
      if (key === "w") { ev.preventDefault(); go("worklist"); return; }
      if (key === "d") { ev.preventDefault(); go("dashboard"); return; }
    }
    pending = null;
    if (key === "g") { pending = "g"; pendingAt = Date.now(); return; }
    if (key === "/") {
      var search = document.querySelector("[data-shortcut-search], input[type=search]");
      if (search) { ev.preventDefault(); search.focus(); }
      return;
    }
    if (key === "j") { ev.preventDefault(); move(1); return; }
    if (key === "k") { ev.preventDefault(); move(-1); return; }
    if (key === "?") { ev.preventDefault(); help(); }
  });
})();
