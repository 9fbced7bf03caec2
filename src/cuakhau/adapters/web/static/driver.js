// The driver's page: says how old the shown state is, shows when the network is off, refreshes itself while
// online, and registers the service worker that keeps the last page for when the line drops (static/sw.js).
(function () {
  "use strict";
  var REFRESH_MS = 60000;

  function ageText(el) {
    var at = Date.parse(el.getAttribute("data-at"));
    if (isNaN(at)) { return null; }
    var minutes = Math.max(0, Math.floor((Date.now() - at) / 60000));
    if (minutes < 1) { return el.getAttribute("data-now-text"); }
    if (minutes < 60) { return el.getAttribute("data-minutes-text").replace("{n}", String(minutes)); }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) { return el.getAttribute("data-hours-text").replace("{n}", String(hours)); }
    return el.getAttribute("data-days-text").replace("{n}", String(Math.floor(hours / 24)));
  }

  function showAge() {
    var el = document.getElementById("updated");
    if (!el) { return; }
    var text = ageText(el);
    if (text) { el.textContent = text; }
    var offline = document.getElementById("offline");
    if (offline) { offline.hidden = navigator.onLine !== false; }
  }

  function refresh() {
    if (navigator.onLine === false || document.visibilityState === "hidden") { return; }
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("driver");
        var here = document.getElementById("driver");
        if (fresh && here) { here.replaceWith(fresh); showAge(); }
      })
      .catch(function () { showAge(); });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/driver" }).catch(function () { /* the page works without */ });
  }
  window.addEventListener("online", function () { showAge(); refresh(); });
  window.addEventListener("offline", showAge);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { refresh(); } });
  showAge();
  setInterval(showAge, 15000);
  setInterval(refresh, REFRESH_MS);
})();
