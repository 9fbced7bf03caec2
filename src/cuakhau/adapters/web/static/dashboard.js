// Live gate dashboard: server-sent events carry the sections that changed (data and their HTML in the page's
// language). The state built here from the first snapshot and every patch equals a fresh load of
// /gates/<id>/dashboard.json — the browser tests compare the two. No library, no network beyond this server.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.EventSource) { return; }
  var gate = root.getAttribute("data-gate");
  var lang = document.documentElement.getAttribute("lang") || "en";
  var status = document.getElementById("live");
  var statusText = document.getElementById("live-text");
  var computedAt = document.getElementById("computed-at");
  var live = window.cuakhauDashboard = { state: null, version: -1, messages: 0 };

  function show(sections) {
    Object.keys(sections).forEach(function (name) {
      var el = document.getElementById("sec-" + name);
      if (el) { el.innerHTML = sections[name]; }
    });
  }

  function stamp(message) {
    if (computedAt && message.computed_at) {
      computedAt.setAttribute("datetime", message.computed_at);
      computedAt.textContent = message.computed_at_text || message.computed_at;
    }
    root.setAttribute("data-version", String(message.version));
  }

  var source = new EventSource("/gates/" + encodeURIComponent(gate) + "/dashboard/events?lang=" + lang);
  source.addEventListener("open", function () {
    status.setAttribute("data-state", "live");
    statusText.textContent = statusText.getAttribute("data-live");
  });
  source.addEventListener("error", function () {
    status.setAttribute("data-state", "lost");
    statusText.textContent = statusText.getAttribute("data-lost");
  });
  source.addEventListener("snapshot", function (ev) {
    var message = JSON.parse(ev.data);
    live.state = message.data;
    live.version = message.version;
    live.messages += 1;
    show(message.html || {});
    stamp(message);
  });
  source.addEventListener("patch", function (ev) {
    var message = JSON.parse(ev.data);
    var next = Object.assign({}, live.state);
    Object.keys(message.changed).forEach(function (k) { next[k] = message.changed[k]; });
    (message.removed || []).forEach(function (k) { delete next[k]; });
    live.state = next;
    live.version = message.version;
    live.messages += 1;
    show(message.html || {});
    stamp(message);
  });
})();
