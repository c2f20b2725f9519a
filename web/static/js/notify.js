// notify.js: keeps the header bell's unread count live. It listens to the signed-in person's own stream
// (/notifications/stream, Server-Sent Events), which sends the whole unread count at once and whenever it
// changes; EventSource reconnects by itself. Without EventSource the bell keeps the count of the page load.
(function () {
  "use strict";
  var bell = document.querySelector("[data-bell]");
  if (!bell || !window.EventSource) { return; }
  var badge = bell.querySelector("[data-bell-count]");
  function show(n) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    bell.setAttribute("aria-label", n ? "Notifications: " + n + " unread" : "Notifications");
    bell.dataset.unread = String(n);
    document.dispatchEvent(new CustomEvent("fieldbase:unread", { detail: { unread: n } }));
  }
  var es = new EventSource("/notifications/stream");
  es.addEventListener("unread", function (ev) {
    try { show(JSON.parse(ev.data).unread | 0); } catch (e) { /* a broken event changes nothing */ }
  });
  window.addEventListener("pagehide", function () { es.close(); });
})();
