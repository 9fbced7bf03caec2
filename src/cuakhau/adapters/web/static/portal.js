// Exporter portal: look up HS codes as you type (the same /portal/hs page, as a fragment) and fill the line.
(function () {
  "use strict";
  var timers = {};
  function lookup(input) {
    var line = input.getAttribute("data-line");
    var box = document.getElementById("hs-results-" + line);
    var q = input.value.trim();
    if (!q) { box.innerHTML = ""; return; }
    fetch("/portal/hs?line=" + line + "&q=" + encodeURIComponent(q), { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; });
  }
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (!input.classList || !input.classList.contains("hs-q")) { return; }
    var line = input.getAttribute("data-line");
    clearTimeout(timers[line]);
    timers[line] = setTimeout(function () { lookup(input); }, 250);
  });
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("button.pick") : null;
    if (!button) { return; }
    var line = button.getAttribute("data-line");
    var field = document.getElementById("lines-" + line + "-hs_code");
    if (field) { field.value = button.getAttribute("data-code"); field.focus(); }
  });
})();
