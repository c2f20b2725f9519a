// project_assign.js: selecting tasks on the project map and assigning them in bulk (field managers). With "Select
// tasks on the map" on, a click selects a task, a shift-click (or a tap on a touch screen) adds or removes one,
// the Box and Lasso tools (the vendored terra-draw's rectangle and freehand modes) add the tasks whose centre they
// surround, and a grid of zones over the project's area (2x2 to 4x4, numbered row by row from the north-west as
// the API's "zones" are) adds or removes the tasks of a zone at a click. The panel then assigns the selection to a
// member or a team, or unassigns it, through POST /api/v1/projects/{id}/tasks/assign (or /unassign); the map and
// the legend follow from the live stream. window.fbProject.assign exposes a little of it for the browser tests.
(function () {
  "use strict";
  var panel = document.getElementById("assign-panel");
  var api = window.fbProject;
  if (!panel || !api) { return; }
  var el = document.getElementById("map");
  var base = "/api/v1/projects/" + el.dataset.project;
  var body = panel.querySelector(".assign-body");
  var modeBox = document.getElementById("select-mode");
  var gridSelect = document.getElementById("zone-grid");
  var count = document.getElementById("assign-count");
  var result = document.getElementById("assign-result");
  var assignBtn = document.getElementById("assign-go");
  var unassignBtn = document.getElementById("unassign-go");
  var selected = {};
  var zones = { grid: 0, bounds: null, picked: {} };
  var tool = "click";
  var draw = null;
  var out = { selection: selection, zones: zones };
  api.assign = out;

  function map() { return api.map; }

  function selection() {
    return Object.keys(selected).map(Number).sort(function (a, b) { return a - b; });
  }

  function centre(f) {
    var b = fbMap.bbox(f);
    return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  }

  function show() {
    var list = selection();
    count.innerHTML = fbT("js.assign.selected", { Count: list.length }) +
      (list.length && list.length <= 12 ? " (" + list.join(", ") + ")" : "");
    assignBtn.disabled = unassignBtn.disabled = !list.length;
    var m = map();
    if (m.getLayer("tasks-picked")) {
      var filter = ["in", ["get", "index"], ["literal", list.length ? list : [-1]]];
      m.setFilter("tasks-picked", filter);
      m.setFilter("tasks-picked-line", filter);
    }
  }

  function layers() {
    var m = map();
    if (m.getLayer("tasks-picked")) { return; }
    m.addLayer({ id: "tasks-picked", type: "fill", source: "tasks", filter: ["==", ["get", "index"], -1],
      paint: { "fill-color": "#1d4ed8", "fill-opacity": 0.35 } });
    m.addLayer({ id: "tasks-picked-line", type: "line", source: "tasks", filter: ["==", ["get", "index"], -1],
      paint: { "line-color": "#1d4ed8", "line-width": 2, "line-dasharray": [2, 1] } });
  }

  // Zones: a grid x grid cut of the area's bounding box; a task belongs to the zone holding its centre.
  function zoneOf(pt) {
    var b = zones.bounds, g = zones.grid;
    function cell(v, lo, hi) { return hi <= lo ? 0 : Math.min(Math.max(Math.floor((v - lo) / (hi - lo) * g), 0), g - 1); }
    return cell(b[3] - pt[1] + b[1], b[1], b[3]) * g + cell(pt[0], b[0], b[2]);
  }

  function zoneFeatures() {
    var b = zones.bounds, g = zones.grid, fs = [];
    var w = (b[2] - b[0]) / g, h = (b[3] - b[1]) / g;
    for (var r = 0; r < g; r++) {
      for (var c = 0; c < g; c++) {
        var x0 = b[0] + c * w, y1 = b[3] - r * h;
        var cellNo = r * g + c;
        fs.push({ type: "Feature", properties: { cell: cellNo, picked: !!zones.picked[cellNo] },
          geometry: { type: "Polygon", coordinates: [[[x0, y1 - h], [x0 + w, y1 - h], [x0 + w, y1], [x0, y1], [x0, y1 - h]]] } });
      }
    }
    return { type: "FeatureCollection", features: fs };
  }

  function drawZones() {
    var m = map();
    var data = zones.grid ? zoneFeatures() : { type: "FeatureCollection", features: [] };
    if (fbMap.source(m, "zones", data)) {
      m.addLayer({ id: "zones-fill", type: "fill", source: "zones",
        paint: { "fill-color": "#111111", "fill-opacity": ["case", ["get", "picked"], 0.18, 0.02] } });
      m.addLayer({ id: "zones-line", type: "line", source: "zones",
        paint: { "line-color": "#111111", "line-width": 2, "line-dasharray": [4, 2] } });
    }
  }

  function setGrid(g) {
    zones.grid = g;
    zones.picked = {};
    if (!g) { drawZones(); return Promise.resolve(); }
    return fbMap.getJSON(base + "/aoi.geojson").then(function (aoi) {
      zones.bounds = fbMap.bbox(aoi);
      drawZones();
    });
  }

  // pickZone adds the tasks of a zone to the selection, or takes them out when the zone was picked already.
  function pickZone(cellNo) {
    var on = !zones.picked[cellNo];
    if (on) { zones.picked[cellNo] = true; } else { delete zones.picked[cellNo]; }
    api.tasks().features.forEach(function (f) {
      if (zoneOf(centre(f)) !== cellNo) { return; }
      if (on) { selected[f.properties.index] = true; } else { delete selected[f.properties.index]; }
    });
    drawZones();
    show();
  }
  out.pickZone = pickZone;

  // surround adds the tasks whose centre lies in a drawn polygon (a box or a lasso).
  function surround(ring) {
    api.tasks().features.forEach(function (f) {
      if (api.inRing(centre(f), ring)) { selected[f.properties.index] = true; }
    });
    show();
  }
  out.surround = surround;

  function onMapClick(e) {
    if (!modeBox.checked) { return false; }
    if (tool !== "click") { return true; } // the drawing tool has the map
    var m = map();
    if (zones.grid) {
      var z = m.queryRenderedFeatures(e.point, { layers: ["zones-fill"] });
      if (z.length) { pickZone(z[0].properties.cell); }
      return true;
    }
    var hit = m.queryRenderedFeatures(e.point, { layers: ["tasks-fill"] });
    if (!hit.length) { return true; }
    var index = hit[0].properties.index;
    var add = (e.originalEvent && e.originalEvent.shiftKey) || window.matchMedia("(pointer: coarse)").matches;
    if (add) {
      if (selected[index]) { delete selected[index]; } else { selected[index] = true; }
    } else {
      selected = {};
      selected[index] = true;
    }
    show();
    return true;
  }

  function startDraw() {
    if (draw) { return draw; }
    var adapter = new terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map: map() });
    var style = { fillColor: "#1d4ed8", fillOpacity: 0.1, outlineColor: "#1d4ed8", outlineWidth: 2 };
    draw = new terraDraw.TerraDraw({ adapter: adapter, modes: [
      new terraDraw.TerraDrawRectangleMode({ drawInteraction: "click-move-or-drag", styles: style }),
      new terraDraw.TerraDrawFreehandMode({ styles: style })
    ] });
    draw.start();
    draw.on("finish", function (id) {
      var f = draw.getSnapshot().filter(function (x) { return x.id === id; })[0];
      if (f) { surround(f.geometry.coordinates[0]); }
      setTimeout(function () { draw.clear(); }, 0);
    });
    return draw;
  }

  function setTool(name) {
    tool = name;
    panel.querySelectorAll("[data-tool]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.tool === name));
    });
    if (name === "click") {
      if (draw) { draw.setMode("static"); }
      return;
    }
    startDraw().setMode(name === "box" ? "rectangle" : "freehand");
  }

  panel.querySelectorAll("[data-tool]").forEach(function (b) {
    b.addEventListener("click", function () { setTool(b.dataset.tool); });
  });

  modeBox.addEventListener("change", function () {
    body.hidden = !modeBox.checked;
    if (!modeBox.checked) {
      setTool("click");
      gridSelect.value = "";
      setGrid(0);
    }
  });
  gridSelect.addEventListener("change", function () {
    setTool("click");
    out.gridReady = setGrid(Number(gridSelect.value) || 0);
  });

  document.getElementById("selection-clear").addEventListener("click", function () {
    selected = {};
    zones.picked = {};
    drawZones();
    show();
  });

  // The page's words for the codes of the tasks a bulk change left as they were (RefusedTaskBody.code).
  function refusal(code) {
    switch (code) {
    case "no_task": return fbT("js.assign.refused_no_task");
    case "validated": return fbT("js.assign.refused_validated");
    case "not_assigned": return fbT("js.assign.refused_not_assigned");
    }
    return fbT("js.assign.refused_other");
  }

  function send(path, payload) {
    result.textContent = fbT("js.assign.saving");
    return fbMap.getJSON(base + path, { method: "POST", body: JSON.stringify(payload),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": fbMap.csrf() } }).then(function (r) {
      var words = path === "/tasks/assign" ? fbT("js.assign.assigned", { Count: r.changed.length }) :
        fbT("js.assign.unassigned", { Count: r.changed.length });
      if (r.refused.length) {
        var list = r.refused.slice(0, 5).map(function (x) {
          return fbT("js.assign.refused_item", { Index: x.index, Reason: refusal(x.code) });
        }).join("; ");
        if (r.refused.length > 5) { list += " " + fbT("js.assign.more", { Count: r.refused.length - 5 }); }
        words += " " + fbT("js.assign.left", { List: list });
      }
      result.textContent = words;
      out.last = r;
      selected = {};
      zones.picked = {};
      drawZones();
      show();
    }).catch(function (err) {
      result.textContent = fbT("js.assign.not_saved", { Why: err.message });
    });
  }

  document.getElementById("assign-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var to = document.getElementById("assign-to").value.split(":");
    var payload = { task_indexes: selection() };
    payload[to[0] === "team" ? "team_id" : "user_id"] = Number(to[1]);
    out.sent = send("/tasks/assign", payload);
  });
  unassignBtn.addEventListener("click", function () {
    out.sent = send("/tasks/unassign", { task_indexes: selection() });
  });

  // zonePoint is where a zone's centre is on the page, for a real click.
  out.zonePoint = function (cellNo) {
    var f = zoneFeatures().features[cellNo];
    var b = fbMap.bbox(f);
    var p = map().project([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]);
    var r = el.getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
  };

  api.onMapClick = onMapClick;
  var wait = setInterval(function () {
    if (!api.ready) { return; }
    clearInterval(wait);
    layers();
    show();
    out.ready = true;
  }, 50);
})();
