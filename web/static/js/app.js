// app.js is Fieldbase's own browser glue for pages built on the layout:
//  - every htmx request carries the CSRF token from <meta name="csrf-token"> (the
//    layout also sets hx-headers on <body>; this covers content swapped in without it),
//  - failed htmx requests show a message in #flash-area instead of failing silently,
//  - flash messages can be dismissed,
//  - on phones the menu button in the top bar opens and closes the nav links (Escape or a click elsewhere closes).
// It loads nothing from the network and needs no build step.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // flashArea returns the message area, recreating it at the top of <main> when an
  // htmx swap of #main has replaced it.
  function flashArea() {
    var area = document.getElementById("flash-area");
    if (area) {
      return area;
    }
    area = document.createElement("div");
    area.id = "flash-area";
    area.setAttribute("aria-live", "polite");
    var main = document.getElementById("main") || document.body;
    main.insertBefore(area, main.firstChild);
    return area;
  }

  function closeButton() {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "flash-close";
    b.setAttribute("aria-label", fbT("js.dismiss"));
    b.textContent = "\u00d7";
    return b;
  }

  // showFlash shows one message of the given kind ("error", "success", "info"),
  // replacing an earlier message of the same kind.
  function showFlash(kind, content) {
    var area = flashArea();
    var old = area.querySelector(".flash-" + kind);
    if (old) {
      old.remove();
    }
    var box = document.createElement("div");
    box.className = "flash flash-" + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    var text = document.createElement("span");
    text.className = "flash-text";
    text.appendChild(content);
    box.appendChild(text);
    box.appendChild(closeButton());
    area.appendChild(box);
    if (kind === "error" && box.getBoundingClientRect().top < 0) {
      box.scrollIntoView({ block: "nearest" });
    }
  }

  // errorContent turns a failed response into message text: the text of the server's
  // error partial when it sent HTML, the problem detail when it sent problem JSON, else a
  // plain sentence with the status.
  function errorContent(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var body = xhr.responseText || "";
    if (type.indexOf("text/html") === 0 && body) {
      var doc = new DOMParser().parseFromString(body, "text/html");
      var alert = doc.querySelector(".alert-text") || doc.querySelector(".alert");
      // Only the text is taken over, so no markup from a response runs here.
      if (alert && alert.textContent.trim()) {
        return document.createTextNode(alert.textContent.trim().replace(/\s+/g, " "));
      }
    }
    if (type.indexOf("json") !== -1 && body) {
      try {
        var problem = JSON.parse(body);
        var detail = problem.detail || problem.title;
        if (detail) {
          return document.createTextNode("Error " + xhr.status + ": " + detail);
        }
      } catch (e) {
        // not JSON after all: fall through to the generic text
      }
    }
    return document.createTextNode(fbT("js.request_failed", { Status: xhr.status }));
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token && !evt.detail.headers["X-CSRF-Token"]) {
      evt.detail.headers["X-CSRF-Token"] = token;
    }
  });

  document.addEventListener("htmx:responseError", function (evt) {
    showFlash("error", errorContent(evt.detail.xhr));
  });

  document.addEventListener("htmx:sendError", function () {
    showFlash("error", document.createTextNode(
      fbT("js.unreachable")));
  });

  // setMenu opens or closes the nav menu behind the menu button (shown below 700 px; CSS reads aria-expanded).
  function setMenu(toggle, open) {
    toggle.setAttribute("aria-expanded", String(open));
  }

  function openMenus() {
    return document.querySelectorAll('.nav-toggle[aria-expanded="true"]');
  }

  document.addEventListener("click", function (evt) {
    var close = evt.target.closest(".flash-close");
    if (close) {
      close.closest(".flash").remove();
      return;
    }
    var toggle = evt.target.closest(".nav-toggle");
    if (toggle) {
      setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    // A click outside an open menu closes it; one on a link inside it leaves for that page anyway.
    openMenus().forEach(function (t) {
      if (!t.parentElement.contains(evt.target)) { setMenu(t, false); }
    });
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") { return; }
    openMenus().forEach(function (t) {
      var inside = t.parentElement.contains(document.activeElement);
      setMenu(t, false);
      if (inside) { t.focus(); }
    });
  });
})();
