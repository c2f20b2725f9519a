// outbox.js keeps what a person filled in, in this browser, until the server has it: window.fbOutbox (in a page)
// or self.fbOutbox (in the service worker, which loads it with importScripts for Background Sync).
//
// An item is stored in IndexedDB (database "fieldbase-outbox", store "items": the XML and the attachment Blobs)
// before anything is sent, in a transaction with strict durability: enqueue resolves only once it is committed.
// flush sends the waiting items one at a time (a Web Lock keeps two tabs and the service worker from sending at
// once), as multipart POSTs to each item's submitUrl. The server dedupes by instanceID, so a retry after a lost
// answer is safe.
//
//   200/201/202       sent: the item is deleted from "items" in the same transaction that adds a line to the
//                     sent log ("sent": instance, form, size, time; the last 50 kept) that the outbox page shows
//   409               conflict: kept, never sent again by itself
//   401/403           error "sign in again": kept, sent again when the person asks (retry)
//   other 4xx         error with the server's problem detail: kept, sent again when the person asks
//   5xx, no answer    waiting: sent again later, with a backoff from 2 s doubling up to 5 minutes; the browser's
//                     "online" event, a page opening and Background Sync start a new round at once
//
// Every change dispatches a "fb:outbox" CustomEvent on window, in every tab (BroadcastChannel).
// No build step; it loads /static/vendor/idb.umd.js (and fflate.umd.js for the ZIP export) from this server.
(function (global) {
  "use strict";

  var DB_NAME = "fieldbase-outbox";
  var LOCK = "fieldbase-outbox-send";
  var SENT_KEEP = 50;
  var BACKOFF_MIN = 2000;
  var BACKOFF_MAX = 5 * 60 * 1000;
  var inWindow = typeof global.document !== "undefined";
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("fieldbase-outbox") : null;

  // Where this script came from: the vendored libraries sit beside it.
  var scriptBase = "/static/";

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  var libs = {};
  function lib(name, file) {
    if (global[name]) {
      return Promise.resolve(global[name]);
    }
    if (!libs[name]) {
      libs[name] = inWindow ? loadScript(scriptBase + "vendor/" + file).then(function () { return global[name]; })
        : Promise.reject(new Error(name + " is not loaded"));
    }
    return libs[name];
  }

  var dbPromise = null;
  function openDB() {
    if (!dbPromise) {
      dbPromise = lib("idb", "idb.umd.js").then(function (idb) {
        return idb.openDB(DB_NAME, 1, {
          upgrade: function (db) {
            var items = db.createObjectStore("items", { keyPath: "id", autoIncrement: true });
            items.createIndex("instanceId", "instanceId", { unique: true });
            db.createObjectStore("sent", { keyPath: "id", autoIncrement: true });
          },
        });
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  function strict(db, stores) {
    var tx = db.transaction(stores, "readwrite", { durability: "strict" });
    tx.done.catch(function () {}); // an aborted transaction is reported by the call that aborted it
    return tx;
  }

  function notify(detail) {
    if (inWindow) {
      global.dispatchEvent(new CustomEvent("fb:outbox", { detail: detail || {} }));
    }
    if (channel) {
      channel.postMessage(detail || {});
    }
  }
  if (channel && inWindow) {
    channel.onmessage = function (ev) {
      global.dispatchEvent(new CustomEvent("fb:outbox", { detail: ev.data || {} }));
    };
  }

  function itemSize(it) {
    var n = new Blob([it.xml || ""]).size;
    (it.attachments || []).forEach(function (a) { n += a.blob ? a.blob.size : 0; });
    return n;
  }

  // enqueue stores an item and resolves with its id once IndexedDB has committed it. The same instanceID with the
  // same XML again resolves with the stored item's id; with other XML it is refused.
  function enqueue(item) {
    if (!item || typeof item.xml !== "string" || !item.xml || !item.submitUrl || !item.instanceId) {
      return Promise.reject(new Error("an outbox item needs instanceId, submitUrl and xml"));
    }
    var atts = (item.attachments || []).map(function (a) {
      if (!(a.blob instanceof Blob) || !a.name) {
        throw new Error("each attachment needs a name and a Blob");
      }
      return { name: String(a.name), type: a.type || a.blob.type || "application/octet-stream", blob: a.blob };
    });
    var rec = {
      instanceId: String(item.instanceId), projectId: item.projectId, formId: item.formId || "",
      formVersion: item.formVersion || "", formTitle: item.formTitle || item.formId || "",
      submitUrl: item.submitUrl, xmlField: item.xmlField || "xml_submission_file",
      attachmentField: item.attachmentField || "", headers: item.headers || {}, xml: item.xml, attachments: atts,
      createdAt: item.createdAt || new Date().toISOString(), taskIndex: item.taskIndex == null ? null : item.taskIndex,
      featureId: item.featureId == null ? null : item.featureId,
      state: "waiting", error: "", status: 0, attempts: 0, nextAttemptAt: 0,
    };
    rec.size = itemSize(rec);
    return openDB().then(function (db) {
      var tx = strict(db, ["items"]);
      var id;
      return tx.store.index("instanceId").get(rec.instanceId).then(function (old) {
        if (old) {
          if (old.xml !== rec.xml) {
            tx.abort();
            throw new Error("the outbox already holds other data under " + rec.instanceId);
          }
          id = old.id;
          return;
        }
        return tx.store.add(rec).then(function (k) { id = k; });
      }).then(function () { return tx.done; }).then(function () {
        notify({ id: id, state: "waiting" });
        register();
        schedule(0);
        return id;
      });
    });
  }

  // list answers the items still in the outbox (oldest first, without their Blobs) followed by the sent log
  // (newest first, state "sent", ids prefixed "sent-").
  function list() {
    return openDB().then(function (db) {
      return Promise.all([db.getAll("items"), db.getAll("sent")]);
    }).then(function (res) {
      var out = res[0].map(function (it) {
        return { id: it.id, instanceId: it.instanceId, projectId: it.projectId, formId: it.formId,
          formVersion: it.formVersion, formTitle: it.formTitle, createdAt: it.createdAt, size: it.size,
          state: it.state, error: it.error, reason: it.reason || "", detail: it.detail || "", status: it.status,
          attempts: it.attempts,
          nextAttemptAt: it.nextAttemptAt, files: it.attachments.map(function (a) { return a.name; }) };
      });
      res[1].reverse().forEach(function (s) {
        out.push({ id: "sent-" + s.id, instanceId: s.instanceId, projectId: s.projectId, formId: s.formId,
          formVersion: s.formVersion, formTitle: s.formTitle, createdAt: s.createdAt, size: s.size,
          state: "sent", sentAt: s.sentAt, status: s.status, error: "" });
      });
      return out;
    });
  }

  // count is how many items are still in the outbox (the sent log not counted).
  function count() {
    return openDB().then(function (db) { return db.count("items"); });
  }

  // update changes an item's fields; relaxed (for the "sending" mark, which a lost write only leaves "waiting")
  // skips the flush to disk.
  function update(id, change, relaxed) {
    return openDB().then(function (db) {
      var tx = relaxed ? db.transaction(["items"], "readwrite", { durability: "relaxed" }) : strict(db, ["items"]);
      return tx.store.get(id).then(function (it) {
        if (!it) {
          return tx.done.then(function () { return null; });
        }
        Object.keys(change).forEach(function (k) { it[k] = change[k]; });
        return tx.store.put(it).then(function () { return tx.done; }).then(function () { return it; });
      });
    });
  }

  // retry puts an item in error (or conflict, when the person asks for it) back in line and sends now.
  function retry(id) {
    return update(Number(id), { state: "waiting", error: "", reason: "", detail: "", nextAttemptAt: 0 }).then(function (it) {
      notify({ id: id, state: "waiting" });
      return it ? flush() : null;
    });
  }

  // remove deletes a sent line or a conflicting item (the page asks the person first). Waiting items and items
  // in error cannot be removed: they are the only copy.
  function remove(id) {
    return openDB().then(function (db) {
      if (String(id).indexOf("sent-") === 0) {
        return db.delete("sent", Number(String(id).slice(5)));
      }
      var tx = strict(db, ["items"]);
      return tx.store.get(Number(id)).then(function (it) {
        if (!it) {
          return tx.done;
        }
        if (it.state !== "conflict") {
          tx.abort();
          throw new Error("only a sent or conflicting item can be removed");
        }
        return tx.store.delete(it.id).then(function () { return tx.done; });
      });
    }).then(function () { notify({ id: id, removed: true }); });
  }

  function problemText(resp) {
    return resp.text().then(function (body) {
      try {
        var p = JSON.parse(body);
        var msg = p.detail || p.title || "";
        if (p.errors && p.errors.length) {
          msg += ": " + p.errors.map(function (e) { return e.message || ""; }).join("; ");
        }
        return msg || ("the server answered " + resp.status);
      } catch (e) {
        var m = /<OpenRosaResponse[\s\S]*?<message[^>]*>([\s\S]*?)<\/message>/.exec(body);
        return m ? m[1].trim() : ("the server answered " + resp.status);
      }
    }, function () { return "the server answered " + resp.status; });
  }

  function currentCSRF() {
    if (!inWindow) {
      return "";
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function send(it) {
    var fd = new FormData();
    fd.append(it.xmlField, new Blob([it.xml], { type: "text/xml" }), "submission.xml");
    it.attachments.forEach(function (a) {
      fd.append(it.attachmentField || a.name, a.blob, a.name);
    });
    var headers = {};
    Object.keys(it.headers || {}).forEach(function (k) { headers[k] = it.headers[k]; });
    var csrf = currentCSRF();
    if (csrf) {
      Object.keys(headers).forEach(function (k) {
        if (k.toLowerCase() === "x-csrf-token") {
          delete headers[k];
        }
      });
      headers["X-CSRF-Token"] = csrf;
    }
    return fetch(it.submitUrl, { method: "POST", body: fd, headers: headers, credentials: "same-origin",
      cache: "no-store" });
  }

  function backoff(attempts) {
    var d = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(d * (0.75 + Math.random() * 0.5));
  }

  // sendOne sends one item and records the outcome: error is the English text (kept in the ZIP export), reason
  // (server, signin, unreachable) and detail (the server's own message) let a page say it in its language; this
  // file also runs in the service worker, so it shows no words itself.
  // sendOne sends one item and records the outcome. It answers true when the round may go on.
  function sendOne(it) {
    return update(it.id, { state: "sending" }, true).then(function () {
      notify({ id: it.id, state: "sending" });
      return send(it).then(function (resp) {
        if (resp.status === 200 || resp.status === 201 || resp.status === 202) {
          return sent(it, resp.status).then(function () { return true; });
        }
        return problemText(resp).then(function (msg) {
          var s = resp.status;
          var change = { status: s, attempts: it.attempts + 1, error: msg, reason: "server", detail: msg };
          if (s === 409) {
            change.state = "conflict";
          } else if (s === 401 || s === 403) {
            change.state = "error";
            change.error = "sign in again: " + msg;
            change.reason = "signin";
          } else if (s >= 400 && s < 500 && s !== 408 && s !== 429) {
            change.state = "error";
          } else {
            change.state = "waiting";
            change.nextAttemptAt = Date.now() + backoff(change.attempts);
          }
          return update(it.id, change).then(function () {
            notify({ id: it.id, state: change.state });
            return change.state !== "waiting";
          });
        });
      }, function (err) {
        var attempts = it.attempts + 1;
        return update(it.id, { state: "waiting", status: 0, attempts: attempts,
          error: "not sent yet: the server could not be reached (" + (err && err.message || err) + ")",
          reason: "unreachable", detail: String(err && err.message || err),
          nextAttemptAt: Date.now() + backoff(attempts) }).then(function () {
          notify({ id: it.id, state: "waiting" });
          register(); // the browser sends it when the network is back, even with this page closed
          return false;
        });
      });
    });
  }

  function sent(it, status) {
    return openDB().then(function (db) {
      var tx = strict(db, ["items", "sent"]);
      var log = tx.objectStore("sent");
      tx.objectStore("items").delete(it.id);
      log.add({ instanceId: it.instanceId, projectId: it.projectId, formId: it.formId, formVersion: it.formVersion,
        formTitle: it.formTitle, createdAt: it.createdAt, size: it.size, status: status,
        sentAt: new Date().toISOString() });
      return log.getAllKeys().then(function (keys) {
        keys.slice(0, Math.max(0, keys.length - SENT_KEEP)).forEach(function (k) { log.delete(k); });
        return tx.done;
      });
    }).then(function () { notify({ id: it.id, state: "sent" }); });
  }

  function withLock(fn) {
    if (typeof navigator !== "undefined" && navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, fn);
    }
    return fn();
  }

  var running = null;
  var again = false;

  // flush sends the waiting items that are due, one at a time, until none is due or the server cannot be
  // reached. It answers how many items are still in the outbox.
  function flush() {
    if (running) {
      again = true;
      return running;
    }
    running = withLock(round).then(function (n) {
      running = null;
      if (again) {
        again = false;
        return flush();
      }
      return n;
    }, function (err) {
      running = null;
      throw err;
    });
    return running;
  }

  function round() {
    return openDB().then(function (db) {
      // Inside the lock nothing else sends: an item left "sending" lost its answer (a closed tab, a crash).
      return db.getAll("items").then(function (items) {
        var stuck = items.filter(function (it) { return it.state === "sending"; });
        return Promise.all(stuck.map(function (it) {
          return update(it.id, { state: "waiting", nextAttemptAt: 0 });
        }));
      }).then(function () { return next(db); });
    });
  }

  function next(db) {
    if (typeof navigator !== "undefined" && navigator.onLine === false) {
      return db.count("items");
    }
    return db.getAll("items").then(function (items) {
      var now = Date.now();
      var due = items.filter(function (it) { return it.state === "waiting" && (it.nextAttemptAt || 0) <= now; });
      if (!due.length) {
        return idle(items);
      }
      return sendOne(due[0]).then(function (goOn) {
        // After a network error or a 5xx the server is not taking anything: wait for the backoff.
        return goOn ? next(db) : db.getAll("items").then(idle);
      });
    });
  }

  // idle schedules the next round for the earliest waiting item and answers how many items are left.
  function idle(items) {
    var later = items.filter(function (it) { return it.state === "waiting"; })
      .map(function (it) { return it.nextAttemptAt || 0; });
    if (later.length) {
      schedule(Math.max(0, Math.min.apply(null, later) - Date.now()));
    }
    return items.length;
  }

  var timer = null;
  function schedule(ms) {
    if (!inWindow) {
      return;
    }
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(function () {
      timer = null;
      flush().catch(function () {});
    }, ms + 50);
  }

  // wake makes every waiting item due now (the network came back) and starts a round.
  function wake() {
    return openDB().then(function (db) {
      var tx = strict(db, ["items"]);
      return tx.store.getAll().then(function (items) {
        items.forEach(function (it) {
          if (it.state === "waiting" && it.nextAttemptAt) {
            it.nextAttemptAt = 0;
            tx.store.put(it);
          }
        });
        return tx.done;
      });
    }).then(flush);
  }

  // register asks for a Background Sync, where the browser has it, so the service worker sends what is waiting
  // even when no page is open.
  function register() {
    if (!inWindow || !navigator.serviceWorker) {
      return;
    }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) {
        return reg.sync.register("fieldbase-outbox");
      }
    }).catch(function () {});
  }

  // sync is the service worker's Background Sync round: every waiting item is made due and sent, one at a time
  // under the same Web Lock as a page's rounds. While items are still waiting (the server could not be reached, or
  // answered 5xx) it fails, so that the browser fires the sync again later, except on its last chance. Conflicts
  // and items in error stay for the person and do not make it fail. It answers how many items are left.
  function sync(lastChance) {
    return wake().then(function () {
      return openDB().then(function (db) { return db.getAll("items"); });
    }).then(function (items) {
      var waiting = items.filter(function (it) { return it.state === "waiting"; }).length;
      if (waiting && !lastChance) {
        throw new Error(waiting + " outbox items still waiting");
      }
      return items.length;
    });
  }

  // exportZip answers every item still in the outbox as one ZIP (see README "Offline collection in the browser").
  function exportZip() {
    return Promise.all([lib("fflate", "fflate.umd.js"), openDB()]).then(function (r) {
      var fflate = r[0];
      return r[1].getAll("items").then(function (items) {
        return Promise.all(items.map(function (it) {
          return Promise.all(it.attachments.map(function (a) { return a.blob.arrayBuffer(); }));
        })).then(function (buffers) {
          var files = {};
          var manifest = { format: "fieldbase-outbox/1", exported_at: new Date().toISOString(), items: [] };
          items.forEach(function (it, i) {
            var dir = String(i + 1).padStart(4, "0") + "-" + it.instanceId.replace(/[^A-Za-z0-9._-]+/g, "_");
            files[dir + "/submission.xml"] = [new TextEncoder().encode(it.xml), { level: 0 }];
            var names = ["submission.xml"];
            it.attachments.forEach(function (a, j) {
              files[dir + "/" + a.name] = [new Uint8Array(buffers[i][j]), { level: 0 }];
              names.push(a.name);
            });
            manifest.items.push({ instance_id: it.instanceId, project_id: it.projectId, form_id: it.formId,
              form_version: it.formVersion, form_title: it.formTitle, created_at: it.createdAt, state: it.state,
              error: it.error || "", dir: dir, files: names });
          });
          files["manifest.json"] = [new TextEncoder().encode(JSON.stringify(manifest, null, 2)), { level: 0 }];
          return new Blob([fflate.zipSync(files)], { type: "application/zip" });
        });
      });
    });
  }

  // usage answers {usage, quota, persisted} in bytes for this site.
  function usage() {
    if (typeof navigator === "undefined" || !navigator.storage || !navigator.storage.estimate) {
      return Promise.resolve({ usage: 0, quota: 0, persisted: false });
    }
    return Promise.all([navigator.storage.estimate(),
      navigator.storage.persisted ? navigator.storage.persisted() : Promise.resolve(false)]).then(function (r) {
      return { usage: r[0].usage || 0, quota: r[0].quota || 0, persisted: !!r[1] };
    });
  }

  // cacheForm stores a form version for offline use in a cache of its own ("fb-form|project|form|version|stamp"):
  // the given URLs, the fill page's assets (<script type="application/json" id="fill-assets">), the project's
  // tasks GeoJSON and the signed-in mapper's own tasks' basemap tiles (GET /api/v1/projects/{id}/offline-tiles).
  // Only once every required URL is stored are the older caches of that form deleted. It answers
  // {cache, urls, bytes}.
  function cacheForm(opts) {
    if (typeof caches === "undefined") {
      return Promise.reject(new Error("this browser has no Cache Storage (a secure address is needed)"));
    }
    var pid = opts.projectId, fid = opts.formId;
    var prefix = "fb-form|" + pid + "|" + fid + "|";
    var name = prefix + (opts.version || "") + "|" + Date.now();
    var required = (opts.urls || []).slice();
    if (inWindow) {
      var assets = document.getElementById("fill-assets");
      if (assets) {
        try { required = required.concat(JSON.parse(assets.textContent)); } catch (e) { /* not a list */ }
      }
      if (required.indexOf(location.pathname + location.search) < 0 && /\/fill$/.test(location.pathname)) {
        required.push(location.pathname + location.search);
      }
    }
    var optional = [];
    if (pid && opts.tasks !== false) {
      optional.push("/api/v1/projects/" + pid + "/tasks.geojson");
    }
    var bytes = 0;
    function put(cache, url, must) {
      return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (resp) {
        if (!resp.ok) {
          if (must) {
            throw new Error(url + ": the server answered " + resp.status);
          }
          return;
        }
        return resp.clone().arrayBuffer().then(function (b) {
          bytes += b.byteLength;
          return cache.put(url, resp);
        });
      });
    }
    function tiles() {
      if (!pid || opts.tiles === false) {
        return Promise.resolve([]);
      }
      return fetch("/api/v1/projects/" + pid + "/offline-tiles", { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json().then(function (b) { return b.urls || []; }) : [];
      }, function () { return []; });
    }
    var uniq = function (a) { return a.filter(function (u, i) { return u && a.indexOf(u) === i; }); };
    return caches.open(name).then(function (cache) {
      return Promise.all(uniq(required).map(function (u) { return put(cache, u, true); })).then(function () {
        return tiles();
      }).then(function (tileURLs) {
        optional = optional.concat(tileURLs);
        // A few at a time: a thousand tiles at once would starve the page.
        var i = 0;
        function worker() {
          if (i >= optional.length) {
            return Promise.resolve();
          }
          var u = optional[i++];
          return put(cache, u, false).catch(function () {}).then(worker);
        }
        return Promise.all([worker(), worker(), worker(), worker()]);
      }).then(function () {
        return caches.keys().then(function (keys) {
          return Promise.all(keys.filter(function (k) { return k.indexOf(prefix) === 0 && k !== name; })
            .map(function (k) { return caches.delete(k); }));
        });
      }).then(function () {
        notify({ cached: name });
        return { cache: name, urls: uniq(required).length + optional.length, bytes: bytes };
      }, function (err) {
        return caches.delete(name).then(function () { throw err; });
      });
    });
  }

  global.fbOutbox = { enqueue: enqueue, flush: flush, list: list, count: count, retry: retry, remove: remove,
    exportZip: exportZip, cacheForm: cacheForm, usage: usage, wake: wake, sync: sync };

  if (inWindow) {
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persisted().then(function (p) { return p || navigator.storage.persist(); })
        .catch(function () {});
    }
    global.addEventListener("online", function () { wake().catch(function () {}); });
    flush().catch(function () {});
  }
})(typeof window !== "undefined" ? window : self);
