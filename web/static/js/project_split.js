// project_split.js: the split step. Shows the parameter of the chosen method, previews a split on the map
// (POST .../split/preview), and follows the split job's progress through the project's event stream (with a
// slow poll of the job as a fallback); when the job is done the page reloads to show the tasks and Publish.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var pid = el.dataset.project;
  var base = "/api/v1/projects/" + pid;
  var map = fbMap.create(el);
  var loaded = new Promise(function (resolve) { map.on("load", resolve); });

  function form() { return document.getElementById("split-form"); }

  function showParams() {
    var f = form();
    if (!f) { return; }
    var checked = f.querySelector('input[name="method"]:checked');
    var method = checked ? checked.value : "grid";
    f.querySelectorAll(".split-param").forEach(function (p) { p.hidden = p.dataset.method !== method; });
  }

  function draw(id, gj, color, fill) {
    loaded.then(function () {
      if (fbMap.source(map, id, gj)) {
        if (fill) {
          map.addLayer({ id: id + "-fill", type: "fill", source: id, paint: { "fill-color": color, "fill-opacity": 0.25 } });
        }
        map.addLayer({ id: id + "-line", type: "line", source: id, paint: { "line-color": color, "line-width": 1.5 } });
      }
    });
  }

  function preview() {
    var f = form();
    var status = document.getElementById("preview-status");
    var method = f.querySelector('input[name="method"]:checked').value;
    var body = { method: method };
    if (method === "grid") { body.cell_size_m = Number(f.elements.cell_size_m.value); }
    if (method === "features") { body.features_per_task = Number(f.elements.features_per_task.value); }
    if (method === "count") { body.tasks = Number(f.elements.tasks.value); }
    if (method === "boundaries") {
      try { body.tasks = JSON.parse(f.elements.boundaries.value); } catch (e) { body.tasks = null; }
    }
    status.textContent = fbT("js.computing");
    fbMap.getJSON(base + "/split/preview", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": fbMap.csrf() } }).then(function (fc) {
      draw("preview", fc, "#d55e00", false);
      status.textContent = fbT("js.split_preview", { Count: fc.features.length });
    }, function (err) {
      var p = err.problem || {};
      var details = (p.errors || []).map(function (d) { return d.message; }).join("; ");
      status.textContent = fbT("js.no_preview", { Why: details || err.message });
    });
  }

  function showJob(n) {
    var box = document.getElementById("split-job");
    if (!box || Number(box.dataset.job) !== n.job_id || box.dataset.done) { return; }
    var bar = document.getElementById("split-progress");
    var pct = n.state === "completed" ? 100 : n.percent;
    bar.value = pct;
    bar.textContent = pct + "%";
    document.getElementById("split-percent").textContent = pct + "%";
    document.getElementById("split-message").textContent = n.error || n.message || n.state;
    if (n.state === "completed") {
      box.dataset.done = "1";
      box.querySelector("h2").textContent = fbT("js.split_done");
      window.location.reload();
    } else if (n.state === "cancelled" || n.state === "discarded") {
      box.dataset.done = "1";
      box.querySelector("h2").textContent = fbT("js.split_failed");
    }
  }

  // pollJob is the fallback when no event has arrived for a while (the stream may have been cut).
  var lastEvent = Date.now();
  setInterval(function () {
    var box = document.getElementById("split-job");
    if (!box || box.dataset.done || Date.now() - lastEvent < 3000) { return; }
    fbMap.getJSON("/api/v1/jobs/" + box.dataset.job).then(function (j) {
      showJob({ job_id: j.id, state: j.state, percent: j.progress.percent, message: j.progress.message, error: j.error });
    }, function () {});
  }, 1500);

  var es = new EventSource(base + "/events/stream");
  es.addEventListener("job", function (ev) { lastEvent = Date.now(); showJob(JSON.parse(ev.data)); });

  document.addEventListener("change", function (evt) {
    if (evt.target.name === "method") { showParams(); }
    if (evt.target.id === "f-boundaries-file" && evt.target.files[0]) {
      evt.target.files[0].text().then(function (raw) {
        document.getElementById("f-boundaries").value = raw;
        try { draw("preview", JSON.parse(raw), "#d55e00", false); } catch (e) { /* the server says what is wrong */ }
      });
    }
  });
  document.addEventListener("click", function (evt) {
    if (evt.target.id === "preview-button") { preview(); }
  });
  document.body.addEventListener("htmx:afterSwap", showParams);
  showParams();

  loaded.then(function () {
    fbMap.getJSON(base + "/aoi.geojson").then(function (aoi) {
      draw("aoi", aoi, "#0057a3", true);
      fbMap.fit(map, aoi);
    });
    fbMap.getJSON(base + "/tasks.geojson").then(function (fc) {
      if (fc.features.length) { draw("tasks", fc, "#13233a", false); }
    });
  });
})();
