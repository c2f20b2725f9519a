// outbox_page.js draws the outbox page (/outbox) from window.fbOutbox (outbox.js): every item with its form, time,
// size and state, the server's message, Retry and Remove; "Send now", "Export all as ZIP" and the storage used.
// It redraws on every "fb:outbox" event and on the browser going on- or offline.
(function () {
  "use strict";

  var list = document.getElementById("outbox-items");
  var empty = document.getElementById("outbox-empty");
  var usageLine = document.getElementById("outbox-usage");
  var network = document.getElementById("outbox-network");
  var stateNames = { waiting: "Waiting", sending: "Sending", sent: "Sent", conflict: "Conflict", error: "Error" };

  function mb(n) {
    if (n < 1024 * 1024) {
      return Math.max(1, Math.round(n / 1024)) + " KB";
    }
    if (n < 1024 * 1024 * 1024) {
      return (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0) + " MB";
    }
    return (n / 1024 / 1024 / 1024).toFixed(1) + " GB";
  }

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString();
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
    var h = el("h2", null, (it.formTitle || it.formId || "Form") + " ");
    var badge = el("span", "badge outbox-state-" + it.state, stateNames[it.state] || it.state);
    h.appendChild(badge);
    li.appendChild(h);
    var meta = "Filled " + when(it.createdAt) + " · " + mb(it.size || 0);
    if (it.state === "sent" && it.sentAt) {
      meta += " · received by the server " + when(it.sentAt);
    }
    if (it.state === "waiting" && it.attempts) {
      meta += " · tried " + it.attempts + (it.attempts === 1 ? " time" : " times");
    }
    li.appendChild(el("p", "outbox-meta muted", meta));
    li.appendChild(el("p", "outbox-meta muted", it.instanceId));
    if (it.error) {
      li.appendChild(el("p", "outbox-error", (it.state === "conflict" ? "The server already has a different " +
        "submission under this ID, so this one is kept here and not sent again by itself: " : "") + it.error));
    }
    var actions = el("div", "actions");
    if (it.state === "error" || it.state === "conflict") {
      actions.appendChild(button("Retry", "outbox-retry", function () {
        fbOutbox.retry(it.id).catch(show);
      }));
    }
    if (it.state === "sent" || it.state === "conflict") {
      actions.appendChild(button("Remove", "outbox-remove", function () {
        var q = it.state === "sent" ? "Remove this line? The server has the submission." :
          "Remove this submission from this device? The server keeps its own, different copy; " +
          "export the ZIP first if you may need this one.";
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
      usageLine.textContent = u.quota ? mb(u.usage) + " of " + mb(u.quota) + " used on this device" +
        (u.persisted ? " (kept: the browser will not clear it to make room)" : "") :
        "This browser does not tell how much storage is used.";
      network.textContent = navigator.onLine ? "" : "This device is offline: waiting items are sent when it is back online.";
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
