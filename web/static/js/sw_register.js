// sw_register.js installs the service worker (/sw.js, web/static/js/sw.js) that keeps the app shell and cached
// forms available offline. Browsers allow it only on a secure address (HTTPS, or localhost).
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
        console.warn("service worker not installed:", err);
      });
    });
  }
})();
