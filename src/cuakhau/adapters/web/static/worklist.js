// Live worklist: server-sent events carry the HTML of this officer's sections that changed, in the page's
// language (pages/worklist.py). No library, no network beyond this server.
(function () {
  "use strict";
  var root = document.getElementById("worklist");
  if (!root || !window.EventSource) { return; }
  var gate = root.getAttribute("data-gate");
  var lang = document.documentElement.getAttribute("lang") || "en";
  var status = document.getElementById("live");
  var statusText = document.getElementById("live-text");
  var computedAt = document.getElementById("computed-at");
  var live = window.cuakhauWorklist = { version: -1, messages: 0 };

  function apply(ev) {
    var message = JSON.parse(ev.data);
    var html = message.html || {};
    Object.keys(html).forEach(function (name) {
      var el = document.getElementById("sec-" + name);
      if (el) { el.innerHTML = html[name]; }
    });
    if (computedAt && message.computed_at) {
      computedAt.setAttribute("datetime", message.computed_at);
      computedAt.textContent = message.computed_at_text || message.computed_at;
    }
    live.version = message.version;
    live.messages += 1;
  }

  var source = new EventSource("/gates/" + encodeURIComponent(gate) + "/worklist/events?lang=" + lang);
  source.addEventListener("open", function () {
    status.setAttribute("data-state", "live");
    statusText.textContent = statusText.getAttribute("data-live");
  });
  source.addEventListener("error", function () {
    status.setAttribute("data-state", "lost");
    statusText.textContent = statusText.getAttribute("data-lost");
  });
  source.addEventListener("snapshot", apply);
  source.addEventListener("patch", apply);
})();
