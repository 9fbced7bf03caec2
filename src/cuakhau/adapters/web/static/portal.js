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

// The declaration form checks itself as it is filled in: the form is posted (debounced) to its check endpoint,
// which runs the declaration as a dry run, and each message is shown next to its field (err-<control id>, as the
// server renders it on submit), with aria-invalid and aria-describedby. Only fields the person has touched are
// marked, so an empty form is not covered in red. Without JavaScript the form is checked on submit.
(function () {
  "use strict";
  var form = document.getElementById("declare");
  if (!form || !form.getAttribute("data-check") || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-check");
  var touched = {};
  var timer = null;
  var sent = 0;
  var ALIASES = { driver_document: ["err-driver_id"] };

  function describedBy(control, id, on) {
    var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); } else { control.removeAttribute("aria-describedby"); }
  }

  function show(id, message) {
    var control = document.getElementById(id);
    if (!control) { return; }
    var spanId = "err-" + id;
    var span = document.getElementById(spanId);
    (ALIASES[id] || []).forEach(function (other) {
      var old = document.getElementById(other);
      if (old) { old.parentNode.removeChild(old); }
    });
    if (!span && message) {
      span = document.createElement("span");
      span.className = "error";
      span.id = spanId;
      span.setAttribute("aria-live", "polite");
      control.insertAdjacentElement("afterend", span);
    }
    if (span) {
      span.textContent = message || "";
      span.hidden = !message;
    }
    if (message) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
    describedBy(control, spanId, !!message);
  }

  function check() {
    var mine = ++sent;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer || mine !== sent) { return; }  // a later check is on its way
        var fields = answer.fields || {};
        Object.keys(touched).forEach(function (id) { show(id, fields[id]); });
      })
      .catch(function () { /* offline: the form is still checked on submit */ });
  }

  function later(ev, delay) {
    var control = ev.target;
    if (!control || !control.id || !control.name || control.type === "hidden" || control.classList.contains("hs-q")) { return; }
    touched[control.id] = true;
    clearTimeout(timer);
    timer = setTimeout(check, delay);
  }

  form.addEventListener("input", function (ev) { later(ev, 700); });
  form.addEventListener("change", function (ev) { later(ev, 150); });
  form.addEventListener("focusout", function (ev) { if (ev.target && ev.target.value) { later(ev, 150); } });

  // Problems rendered by the server on submit: tie each to its control for screen readers.
  Array.prototype.forEach.call(form.querySelectorAll("span.error[id^='err-']"), function (span) {
    var control = document.getElementById(span.id.slice(4));
    if (control) {
      touched[control.id] = true;
      control.setAttribute("aria-invalid", "true");
      describedBy(control, span.id, true);
    }
  });
})();
