// notify.js: keeps the header bell's unread count live. It listens to the signed-in person's own stream
// (/notifications/stream, Server-Sent Events), which sends the whole unread count at once and whenever it
// changes; EventSource reconnects by itself. A hidden tab closes its stream and opens it again when shown (the
// count comes at once), so tabs in the background do not hold the few connections a browser keeps per server
// over HTTP/1.1. Without EventSource the bell keeps the count of the page load.
(function () {
  "use strict";
  var bell = document.querySelector("[data-bell]");
  if (!bell || !window.EventSource) { return; }
  var badge = bell.querySelector("[data-bell-count]");
  var es = null;
  function show(n) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    bell.setAttribute("aria-label", n ? bell.dataset.labelUnread.replace("{{.Count}}", String(n)) : bell.dataset.label);
    bell.dataset.unread = String(n);
    document.dispatchEvent(new CustomEvent("fieldbase:unread", { detail: { unread: n } }));
  }
  function open() {
    if (es) { return; }
    es = new EventSource("/notifications/stream");
    es.addEventListener("unread", function (ev) {
      try { show(JSON.parse(ev.data).unread | 0); } catch (e) { /* a broken event changes nothing */ }
    });
  }
  function close() {
    if (es) { es.close(); es = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { close(); } else { open(); }
  });
  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", function () { if (!document.hidden) { open(); } });
  if (!document.hidden) { open(); }
})();
