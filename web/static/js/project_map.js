// project_map.js: the project page. Draws the AOI, the tasks coloured by state (the caller's locked tasks with a
// thick outline) and the data-extract features coloured by survey status; a click on a feature shows its
// properties and submissions in the panel; a click on a task loads its side panel with htmx (on a phone, in
// the bottom sheet of bottom_sheet.js, with the map moved so that the task shows above it). "Locate me" shows the
// phone's position and the task under it (whereAmI). Signed-in
// callers follow the project's event stream, so the map, the open panel and the progress follow other people's
// work without a reload. window.fbProject exposes a little of it for the browser tests.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var pid = el.dataset.project;
  var me = Number(el.dataset.user || 0);
  var base = "/api/v1/projects/" + pid;
  var map = fbMap.create(el);
  if (window.fieldbaseBasemaps) { window.fieldbaseBasemaps(map, pid); }
  var tasks = { type: "FeatureCollection", features: [] };
  var byIndex = {};
  var selected = -1;
  var pending = false;
  var api = { painted: 0, events: 0 };
  window.fbProject = api;

  function indexTasks() {
    byIndex = {};
    tasks.features.forEach(function (f) { byIndex[f.properties.index] = f; });
  }

  function addTaskLayers() {
    map.addLayer({ id: "tasks-fill", type: "fill", source: "tasks",
      paint: { "fill-color": fbMap.stateColor(), "fill-opacity": 0.6 } });
    map.addLayer({ id: "tasks-line", type: "line", source: "tasks", paint: { "line-color": "#333333", "line-width": 0.6 } });
    // A task assigned to a team has the team's colour as a thick outline, over the state fill.
    map.addLayer({ id: "tasks-team", type: "line", source: "tasks", filter: ["has", "team_colour"],
      paint: { "line-color": ["get", "team_colour"], "line-width": 3.5 } });
    map.addLayer({ id: "tasks-mine", type: "line", source: "tasks", filter: ["==", ["get", "locked_by"], me || -1],
      paint: { "line-color": "#111111", "line-width": 4 } });
    map.addLayer({ id: "tasks-selected", type: "line", source: "tasks", filter: ["==", ["get", "index"], -1],
      paint: { "line-color": fbMap.cssVar("--focus", "#b45309"), "line-width": 3, "line-dasharray": [2, 1] } });
    // One click handler: a feature under the finger (within a few pixels) wins over the task around it.
    map.on("click", function (e) {
      if (api.onMapClick && api.onMapClick(e)) { return; } // selecting tasks to assign (project_assign.js)
      var fid = featureAt(e.point);
      if (fid) { openFeature(fid); return; }
      var hit = map.queryRenderedFeatures(e.point, { layers: ["tasks-fill"] });
      if (hit.length) { openTask(hit[0].properties.index, true); }
    });
    map.on("mouseenter", "tasks-fill", function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "tasks-fill", function () { map.getCanvas().style.cursor = ""; });
  }

  function loadTasks(fit) {
    return fbMap.getJSON(base + "/tasks.geojson").then(function (fc) {
      tasks = fc;
      indexTasks();
      if (fbMap.source(map, "tasks", tasks)) { addTaskLayers(); }
      if (fit && fc.features.length) { fbMap.fit(map, fc, sheetPadding()); }
      map.once("idle", function () { if (!api.painted) { api.painted = performance.now(); } });
    });
  }

  function loadAOI() {
    return fbMap.getJSON(base + "/aoi.geojson").then(function (aoi) {
      fbMap.source(map, "aoi", aoi);
      map.addLayer({ id: "aoi-line", type: "line", source: "aoi",
        paint: { "line-color": "#13233a", "line-width": 2, "line-dasharray": [3, 2] } });
      return aoi;
    });
  }

  // Data-extract features, coloured by survey status (the legend in the panel uses the same colours). The map asks
  // for the features of what it shows (bounded by the server); a view inside the last answered box, when nothing
  // was left out of it, needs no new request.
  var FEATURE_COLORS = { ready: "#ffffff", submitted: "#e69f00", validated: "#009e73", bad: "#d55e00" };
  var featureBox = null;
  var featureData = null;
  var featureSeq = 0;

  function featureLayers() {
    var colors = ["match", ["get", "fb_status"]];
    Object.keys(FEATURE_COLORS).forEach(function (k) { colors.push(k, FEATURE_COLORS[k]); });
    colors.push("#6b7280");
    var poly = ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], true, false];
    map.addLayer({ id: "features-fill", type: "fill", source: "features", filter: poly,
      paint: { "fill-color": colors, "fill-opacity": 0.55, "fill-outline-color": "#111111" } });
    map.addLayer({ id: "features-line", type: "line", source: "features",
      filter: ["match", ["geometry-type"], ["LineString", "MultiLineString"], true, false],
      paint: { "line-color": colors, "line-width": 3 } });
    map.addLayer({ id: "features", type: "circle", source: "features",
      filter: ["match", ["geometry-type"], ["Point", "MultiPoint"], true, false],
      paint: { "circle-radius": 5, "circle-color": colors, "circle-stroke-color": "#111111", "circle-stroke-width": 1 } });
    FEATURE_LAYERS.forEach(function (id) {
      map.on("mouseenter", id, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", id, function () { map.getCanvas().style.cursor = ""; });
    });
  }

  var FEATURE_LAYERS = ["features-fill", "features-line", "features"];

  // featureAt is the id of the feature drawn at (or within 6 px of) a point of the map, or 0.
  function featureAt(p) {
    if (!map.getLayer("features")) { return 0; }
    var hit = map.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]], { layers: FEATURE_LAYERS });
    return hit.length ? hit[0].properties.fb_id : 0;
  }

  function loadFeatures() {
    var b = map.getBounds();
    var inside = featureBox && b.getWest() >= featureBox[0] && b.getSouth() >= featureBox[1] &&
      b.getEast() <= featureBox[2] && b.getNorth() <= featureBox[3];
    if (inside) { return; }
    // Half a view more on each side, so that small moves need no request.
    var dx = (b.getEast() - b.getWest()) / 2, dy = (b.getNorth() - b.getSouth()) / 2;
    var box = [b.getWest() - dx, b.getSouth() - dy, b.getEast() + dx, b.getNorth() + dy].map(function (v, i) {
      return Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, Math.round(v * 1e6) / 1e6));
    });
    var n = ++featureSeq;
    fbMap.getJSON(base + "/features.geojson?bbox=" + box.join(",")).then(function (fc) {
      if (n !== featureSeq) { return; }
      featureBox = fc.truncated ? null : box;
      if (fbMap.source(map, "features", fc)) { featureLayers(); }
      api.features = fc.features.length;
      featureData = fc;
      var note = document.getElementById("features-more");
      if (note) { note.hidden = !fc.truncated; }
    });
  }

  function openFeature(fid) {
    selected = -1;
    map.setFilter("tasks-selected", ["==", ["get", "index"], -1]);
    var sheet = window.fbSheet && fbSheet.active() ? fbSheet : null;
    if (sheet && sheet.state() === "folded") { sheet.set("half"); }
    htmx.ajax("GET", "/projects/" + pid + "/features/" + fid, { target: "#task-panel", swap: "innerHTML" });
  }

  // openTask loads a task into the panel. Chosen on the map of a phone, it also opens the bottom sheet half way,
  // scrolls the task's state and actions to the top of the sheet and moves the map so that the task shows above it.
  function openTask(index, chosen) {
    selected = index;
    map.setFilter("tasks-selected", ["==", ["get", "index"], index]);
    var sheet = chosen && window.fbSheet && fbSheet.active() ? fbSheet : null;
    if (sheet) {
      showAbove(index, sheet.state() === "folded" ? sheet.set("half") : sheet.height());
    }
    var loaded = htmx.ajax("GET", "/projects/" + pid + "/tasks/" + index, { target: "#task-panel", swap: "innerHTML" });
    if (sheet && loaded) {
      loaded.then(function () { sheet.reveal(document.querySelector("#task-panel .task-panel")); });
    }
  }

  // showAbove moves the map so that the task sits in the part of it left above a sheet this tall, zooming out
  // only when the task would not fit there.
  function showAbove(index, sheetHeight) {
    var b = fbMap.bbox(byIndex[index]);
    var pad = 16;
    if (!b || el.clientHeight - sheetHeight < 4 * pad) { return; }
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: { top: pad, left: pad, right: pad, bottom: sheetHeight + pad },
      maxZoom: map.getZoom(), duration: reduce ? 0 : 300 });
  }

  // sheetPadding keeps the whole project clear of the folded bottom sheet on a phone.
  function sheetPadding() {
    var h = window.fbSheet ? fbSheet.height() : 0;
    return h ? { top: 30, left: 30, right: 30, bottom: h + 30 } : 30;
  }

  // redraw pushes the changed task properties to the map once per frame, however many events came.
  function redraw() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      var s = map.getSource("tasks");
      if (s) { s.setData(tasks); }
    });
  }

  var progressTimer = 0;
  function refreshProgress() {
    clearTimeout(progressTimer);
    progressTimer = setTimeout(function () {
      htmx.ajax("GET", "/projects/" + pid + "/progress", { target: "#progress", swap: "innerHTML" });
    }, 300);
  }

  function applyTask(t) {
    var f = byIndex[t.index];
    if (!f) { return; }
    var p = f.properties;
    p.state = t.state;
    delete p.locked_by; delete p.locked_by_username; delete p.assigned_to; delete p.assigned_to_username;
    delete p.assigned_team; delete p.team_colour;
    if (t.locked_by) { p.locked_by = t.locked_by.id; p.locked_by_username = t.locked_by.username; }
    if (t.assigned_to) { p.assigned_to = t.assigned_to.id; p.assigned_to_username = t.assigned_to.username; }
    if (t.assigned_team) { p.assigned_team = t.assigned_team.id; p.team_colour = t.assigned_team.colour; }
    redraw();
    var open = document.querySelector("#task-panel .task-panel");
    if (open && Number(open.dataset.task) === t.index && Number(open.dataset.version) < t.version) {
      openTask(t.index);
    }
  }

  function follow() {
    var es = new EventSource(base + "/events/stream");
    es.addEventListener("task", function (ev) {
      api.events++;
      applyTask(JSON.parse(ev.data).task);
      refreshProgress();
    });
    es.addEventListener("resync", function () { loadTasks(false); refreshProgress(); });
  }

  // inRing and taskAt find the task under a position (ray casting over each polygon's rings, holes excluded).
  function inRing(pt, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > pt[1]) !== (b[1] > pt[1]) && pt[0] < (b[0] - a[0]) * (pt[1] - a[1]) / (b[1] - a[1]) + a[0]) {
        inside = !inside;
      }
    }
    return inside;
  }

  function taskAt(pt) {
    for (var k = 0; k < tasks.features.length; k++) {
      var f = tasks.features[k], g = f.geometry;
      var polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      for (var p = 0; p < polys.length; p++) {
        if (inRing(pt, polys[p][0]) && !polys[p].slice(1).some(function (h) { return inRing(pt, h); })) {
          return f.properties.index;
        }
      }
    }
    return -1;
  }

  // whereAmI follows the phone's position from the "locate me" control (MapLibre's GeolocateControl draws the dot
  // and the accuracy circle; no network is needed, but browsers give positions only to secure pages): the task
  // under it gets a thick outline and the panel says which one, with a button that opens it.
  function whereAmI() {
    var box = document.getElementById("where");
    var ctl = new maplibregl.GeolocateControl({ positionOptions: { enableHighAccuracy: true, timeout: 20000 },
      trackUserLocation: true, showAccuracyCircle: true, fitBoundsOptions: { maxZoom: 17 } });
    map.addControl(ctl, "top-right");
    map.addLayer({ id: "tasks-here", type: "line", source: "tasks", filter: ["==", ["get", "index"], -1],
      paint: { "line-color": "#111111", "line-width": 5, "line-dasharray": [1, 1] } });
    function tell(html) { box.innerHTML = html; box.hidden = false; }
    ctl.on("geolocate", function (pos) {
      var c = pos.coords;
      var index = taskAt([c.longitude, c.latitude]);
      api.here = index;
      map.setFilter("tasks-here", ["==", ["get", "index"], index]);
      var acc = fbT("js.within", { Metres: Math.round(c.accuracy) });
      if (index < 0) {
        tell(fbT("js.outside_tasks", { Accuracy: acc }));
        return;
      }
      tell(fbT("js.in_task", { Index: index, Accuracy: acc }) + " " +
        '<button type="button" class="link-button" data-open-task="' + index + '">' + fbT("js.open_task", { Index: index }) + "</button>");

    });
    // On a phone, pressing the button opens the folded sheet half way, so that the sentence shows, and the map
    // keeps the position above the sheet.
    ctl.on("trackuserlocationstart", function () {
      var sheet = window.fbSheet && fbSheet.active() ? fbSheet : null;
      if (!sheet) { return; }
      var h = sheet.state() === "folded" ? sheet.set("half") : sheet.height();
      ctl.options.fitBoundsOptions = { maxZoom: 17, padding: { top: 20, left: 20, right: 20, bottom: h + 20 } };
    });
    ctl.on("error", function (err) {
      api.here = -1;
      tell(err && err.code === 1 ? fbT("js.position_denied") :
        fbT("js.position_unknown"));
    });
    ctl.on("trackuserlocationend", function () {
      if (ctl._watchState === "OFF") { box.hidden = true; }
    });
  }

  // onlyMine dims every task not assigned to the caller or one of their teams while "Show my tasks only" is on.
  function onlyMine() {
    var box = document.getElementById("only-mine");
    if (!box) { return; }
    var teams = (el.dataset.myTeams || "").split(",").filter(Boolean).map(Number);
    var mine = ["any", ["==", ["get", "assigned_to"], me || -1],
      ["in", ["coalesce", ["get", "assigned_team"], -1], ["literal", teams.length ? teams : [-2]]]];
    function apply() {
      map.setPaintProperty("tasks-fill", "fill-opacity", box.checked ? ["case", mine, 0.75, 0.08] : 0.6);
      map.setPaintProperty("tasks-team", "line-opacity", box.checked ? ["case", mine, 1, 0.15] : 1);
      api.onlyMine = box.checked;
    }
    box.addEventListener("change", apply);
    apply();
  }

  // featurePoint is where a point feature is on the page, for a real click.
  api.featurePoint = function (fid) {
    var f = featureData.features.filter(function (x) { return x.properties.fb_id === fid; })[0];
    var p = map.project(f.geometry.coordinates);
    var r = el.getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
  };
  // featureDrawn tells whether the map has painted a point feature (it is in the rendered "features" layer).
  api.featureDrawn = function (fid) {
    var f = featureData.features.filter(function (x) { return x.properties.fb_id === fid; })[0];
    if (!f || !map.getLayer("features")) return false;
    return map.queryRenderedFeatures(map.project(f.geometry.coordinates), { layers: ["features"] })
      .some(function (x) { return x.properties.fb_id === fid; });
  };
  // highlighted is the task the "you are here" outline shows (-1 for none).
  api.highlighted = function () { var f = map.getLayer("tasks-here") && map.getFilter("tasks-here"); return f ? f[2] : -1; };
  api.state = function (index) { var f = byIndex[index]; return f ? f.properties.state : ""; };
  api.map = map;
  api.tasks = function () { return tasks; };
  api.props = function (index) { var f = byIndex[index]; return f ? f.properties : null; };
  api.redraw = redraw;
  api.count = function () { return tasks.features.length; };
  api.openTask = function (index) { openTask(index, false); };
  // moving is true while the map pans or zooms (after a task is chosen on a phone).
  api.moving = function () { return map.isMoving(); };
  // inRing tells whether a [lon, lat] lies inside a ring (the assign panel's box and lasso use it too).
  api.inRing = inRing;
  // screenPoint is where a task's centre is on the page, for a real click.
  api.screenPoint = function (index) {
    var b = fbMap.bbox(byIndex[index]);
    var p = map.project([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]);
    var r = el.getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
  };

  // A task named in the panel ("you are in task 12", a feature's task) opens on a click.
  document.getElementById("side-panel").addEventListener("click", function (e) {
    var b = e.target.closest("[data-open-task]");
    if (b) { openTask(Number(b.dataset.openTask), true); }
  });

  map.on("load", function () {
    Promise.all([loadAOI(), loadTasks(true)]).then(function (res) {
      if (!tasks.features.length) { fbMap.fit(map, res[0], sheetPadding()); } else { whereAmI(); }
      onlyMine();
      var asked = Number(new URLSearchParams(location.search).get("task"));
      if (asked && byIndex[asked]) { openTask(asked, true); showAbove(asked, 0); }
      api.ready = true;
    });
    if (el.dataset.features) {
      map.once("idle", loadFeatures);
      map.on("moveend", loadFeatures);
    }
    if (el.dataset.live) { follow(); }
  });
})();
