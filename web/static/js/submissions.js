// submissions.js: the submissions page. It listens to the project's event stream: a new submission refreshes the
// table in place (keeping the filters and page; new rows are highlighted), and the ZIP export's job events move
// its progress bar until the download link shows. A slow poll of the job covers a cut stream. Every URL is on
// this server.
(function () {
  "use strict";

  var table = document.getElementById("submission-table");
  if (!table) { return; }
  var project = table.dataset.project;
  var api = { refreshes: 0, events: 0 };
  window.fbSubmissions = api;

  function seen() {
    var ids = {};
    document.querySelectorAll("#submission-rows tr[data-submission]").forEach(function (tr) {
      ids[tr.dataset.submission] = true;
    });
    return ids;
  }

  // refresh reloads the table with the page's own filters and swaps it in.
  function refresh() {
    var before = seen();
    fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin", headers: { "HX-Request": "true", Accept: "text/html" }
    }).then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("submission-table");
      var current = document.getElementById("submission-table");
      if (!fresh || !current) { return; }
      fresh.querySelectorAll("#submission-rows tr[data-submission]").forEach(function (tr) {
        if (!before[tr.dataset.submission]) { tr.classList.add("fresh"); }
      });
      current.replaceWith(document.adoptNode(fresh));
      api.refreshes++;
    }, function () { /* the next event or a reload tries again */ });
  }

  function showJob(n) {
    var box = document.getElementById("export-job");
    if (!box || Number(box.dataset.job) !== n.job_id || box.dataset.done) { return; }
    var bar = document.getElementById("export-progress");
    var pct = n.state === "completed" ? 100 : (n.percent || 0);
    bar.value = pct;
    bar.textContent = pct + "%";
    box.querySelector(".export-message").textContent = n.error || n.message || n.state;
    if (n.state === "completed") {
      box.dataset.done = "1";
      box.querySelector(".export-message").textContent = fbT("js.zip_ready");
      box.querySelector(".export-done").hidden = false;
    } else if (n.state === "cancelled" || n.state === "discarded") {
      box.dataset.done = "1";
      box.querySelector(".export-message").textContent = fbT("js.export_failed", { Why: n.error || n.state });
    }
  }

  var lastEvent = Date.now();
  setInterval(function () {
    var box = document.getElementById("export-job");
    if (!box || box.dataset.done || Date.now() - lastEvent < 3000) { return; }
    fetch("/api/v1/jobs/" + box.dataset.job, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (j) {
        showJob({ job_id: j.id, state: j.state, percent: j.progress.percent, message: j.progress.message, error: j.error });
      }, function () {});
  }, 1500);

  var es = new EventSource("/api/v1/projects/" + encodeURIComponent(project) + "/events/stream");
  es.addEventListener("submission", function () { api.events++; lastEvent = Date.now(); refresh(); });
  es.addEventListener("resync", refresh);
  es.addEventListener("job", function (ev) { lastEvent = Date.now(); showJob(JSON.parse(ev.data)); });
  es.addEventListener("open", function () { api.connected = true; });
})();
