// outbox_page.js draws the outbox page (/outbox) from window.fbOutbox (outbox.js): every item with its form, time,
// size and state, the server's message, Retry and Remove; "Send now", "Export all as ZIP" and the storage used.
// It redraws on every "fb:outbox" event and on the browser going on- or offline.
(function () {
  "use strict";

  var list = document.getElementById("outbox-items");
  var empty = document.getElementById("outbox-empty");
  var usageLine = document.getElementById("outbox-usage");
  var network = document.getElementById("outbox-network");
  // The words come from the page (fbT, i18n.js; outbox.js.* in the catalogues); the states stay English inside.
  var stateNames = { waiting: fbT("outbox.js.state_waiting"), sending: fbT("outbox.js.state_sending"),
    sent: fbT("outbox.js.state_sent"), conflict: fbT("outbox.js.state_conflict"), error: fbT("outbox.js.state_error") };

  function mb(n) {
    if (n < 1024 * 1024) {
      return fbT("outbox.js.kb", { N: Math.max(1, Math.round(n / 1024)) });
    }
    if (n < 1024 * 1024 * 1024) {
      return fbT("outbox.js.mb", { N: (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0) });
    }
    return fbT("outbox.js.gb", { N: (n / 1024 / 1024 / 1024).toFixed(1) });
  }

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString(document.documentElement.lang || undefined);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text != null) {
      e.textContent = text;
    }
    return e;
  }

  function button(label, cls, onClick) {
    var b = el("button", "btn " + (cls || ""), label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function item(it) {
    var li = el("li", "outbox-item");
    li.dataset.id = it.id;
    li.dataset.state = it.state;
    li.dataset.instance = it.instanceId;
    var h = el("h2", null, (it.formTitle || it.formId || fbT("outbox.js.form")) + " ");
    var badge = el("span", "badge outbox-state-" + it.state, stateNames[it.state] || it.state);
    h.appendChild(badge);
    li.appendChild(h);
    var meta = fbT("outbox.js.filled", { When: when(it.createdAt) }) + " · " + mb(it.size || 0);
    if (it.state === "sent" && it.sentAt) {
      meta += " · " + fbT("outbox.js.received", { When: when(it.sentAt) });
    }
    if (it.state === "waiting" && it.attempts) {
      meta += " · " + (it.attempts === 1 ? fbT("outbox.js.tried_one") : fbT("outbox.js.tried", { Count: it.attempts }));
    }
    li.appendChild(el("p", "outbox-meta muted", meta));
    li.appendChild(el("p", "outbox-meta muted", it.instanceId));
    if (it.error) {
      li.appendChild(el("p", "outbox-error", errorText(it)));
    }
    var actions = el("div", "actions");
    if (it.state === "error" || it.state === "conflict") {
      actions.appendChild(button(fbT("outbox.js.retry"), "outbox-retry", function () {
        fbOutbox.retry(it.id).catch(show);
      }));
    }
    if (it.state === "sent" || it.state === "conflict") {
      actions.appendChild(button(fbT("outbox.js.remove"), "outbox-remove", function () {
        var q = it.state === "sent" ? fbT("outbox.js.confirm_remove_sent") : fbT("outbox.js.confirm_remove_conflict");
        if (window.confirm(q)) {
          fbOutbox.remove(it.id).catch(show);
        }
      }));
    }
    if (actions.children.length) {
      li.appendChild(actions);
    }
    return li;
  }

  // errorText says why an item is not sent, in the page's language: outbox.js records a reason and the server's
  // own message (detail); items stored before reasons existed show their English error.
  function errorText(it) {
    var detail = it.detail || it.error;
    if (it.reason === "unreachable") {
      return fbT("outbox.js.unreachable");
    }
    if (it.state === "conflict") {
      return fbT("outbox.js.conflict", { Message: detail });
    }
    if (it.reason === "signin") {
      return fbT("outbox.js.sign_in", { Message: detail });
    }
    return detail;
  }

  function show(err) {
    var area = document.getElementById("flash-area");
    var f = el("div", "flash flash-error");
    f.setAttribute("role", "alert");
    f.appendChild(el("span", "flash-text", String(err && err.message || err)));
    area.appendChild(f);
  }

  var drawing = false, redraw = false;
  function draw() {
    if (drawing) {
      redraw = true;
      return;
    }
    drawing = true;
    Promise.all([fbOutbox.list(), fbOutbox.usage()]).then(function (r) {
      var items = r[0], u = r[1];
      list.replaceChildren.apply(list, items.map(item));
      empty.hidden = items.some(function (it) { return it.state !== "sent"; });
      usageLine.textContent = u.quota ? (u.persisted ? fbT("outbox.js.usage_kept", { Used: mb(u.usage), Quota: mb(u.quota) }) :
        fbT("outbox.js.usage", { Used: mb(u.usage), Quota: mb(u.quota) })) : fbT("outbox.js.usage_unknown");
      network.textContent = navigator.onLine ? "" : fbT("outbox.js.offline");
      document.body.dataset.outboxReady = "1";
    }).catch(show).then(function () {
      drawing = false;
      if (redraw) {
        redraw = false;
        draw();
      }
    });
  }

  document.getElementById("outbox-send").addEventListener("click", function () {
    fbOutbox.wake().catch(show);
  });
  document.getElementById("outbox-export").addEventListener("click", function () {
    fbOutbox.exportZip().then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "fieldbase-outbox-" + new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-") + ".zip";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }).catch(show);
  });
  window.addEventListener("fb:outbox", draw);
  window.addEventListener("online", draw);
  window.addEventListener("offline", draw);
  draw();
})();
