// new_project.js: the new project form. The area of interest is drawn on the map (a rectangle or a polygon, with
// the vendored terra-draw: points can be moved, added from the midpoints and removed, the area deleted), taken
// from the map view (the keyboard way: move the map with the arrow keys first), or read from a GeoJSON file.
// Whatever the source, the GeoJSON goes into the form's hidden "aoi" field and is checked by the server with the
// rules that saving applies (validity, area against the maximum); its message shows beside the map. A grid split
// of the area can be previewed on the same map before the project exists. window.fbDraw serves the browser tests.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var map = fbMap.create(el);
  var form = document.getElementById("new-project-form");
  var input = document.getElementById("f-aoi-file");
  var text = document.getElementById("f-aoi");
  var status = document.getElementById("aoi-status");
  var error = document.getElementById("e-aoi");
  var help = document.getElementById("draw-help");
  var tools = form.querySelectorAll("[data-draw]");
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var ready = new Promise(function (resolve) { map.on("load", resolve); });
  var draw = null;
  var checks = 0;
  var api = { checked: 0 };
  window.fbDraw = api;

  var HELP = {
    rectangle: fbT("js.draw_rectangle"),
    polygon: fbT("js.draw_polygon"),
    select: fbT("js.draw_select")
  };
  var BLUE = "#0057a3";

  // say shows one message: an error beside the field (and nothing else), or a status line.
  function say(msg, isError) {
    error.textContent = isError ? msg : "";
    error.hidden = !isError;
    input.setAttribute("aria-invalid", isError ? "true" : "false");
    if (isError) { input.setAttribute("aria-describedby", "e-aoi"); } else { input.removeAttribute("aria-describedby"); }
    status.textContent = isError ? "" : msg;
  }

  // show draws an area that is not being edited (an uploaded file, or the area of a refused save).
  function show(gj) {
    ready.then(function () {
      if (fbMap.source(map, "aoi", gj)) {
        map.addLayer({ id: "aoi-fill", type: "fill", source: "aoi", paint: { "fill-color": BLUE, "fill-opacity": 0.15 } });
        map.addLayer({ id: "aoi-line", type: "line", source: "aoi", paint: { "line-color": BLUE, "line-width": 2 } });
      }
      fbMap.fit(map, gj);
    });
  }

  var EMPTY = { type: "FeatureCollection", features: [] };

  function setData(id, gj) {
    var src = map.getSource(id);
    if (src) { src.setData(gj); }
  }

  function clearTry() {
    ready.then(function () { setData("try", EMPTY); });
    document.getElementById("try-status").textContent = fbT("js.split_after");
  }

  // check asks the server what it thinks of the AOI, then shows its answer and the area it read. Only the latest
  // check's answer is shown: an edit made while one was on its way wins.
  function check(raw, name, fromFile) {
    var n = ++checks;
    text.value = raw; // saving a refused area gets the same message from the server
    clearTry();
    return fetch(form.dataset.check + (fromFile ? "" : "?from=drawing"), {
      method: "POST", body: raw, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error("status " + resp.status); }
      return resp.json();
    }).then(function (res) {
      if (n !== checks) { return; }
      if (fromFile && res.geometry) {
        show({ type: "Feature", properties: {}, geometry: { type: "MultiPolygon", coordinates: res.geometry } });
      }
      say((name ? name + ": " : "") + res.message, !res.ok);
      api.checked++;
    }).catch(function () {
      if (n === checks) { say(fbT("js.area_unchecked"), true); }
    });
  }

  // drawn is the area on the drawing layer as a GeoJSON Feature, or null.
  function drawn() {
    var polys = draw ? draw.getSnapshot().filter(function (f) { return f.geometry.type === "Polygon"; }) : [];
    if (!polys.length) { return null; }
    var f = polys[polys.length - 1];
    return { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: f.geometry.coordinates } };
  }

  function pressed(mode) {
    tools.forEach(function (b) {
      if (b.hasAttribute("aria-pressed")) { b.setAttribute("aria-pressed", b.dataset.draw === mode ? "true" : "false"); }
    });
    help.textContent = HELP[mode] || "";
  }

  function enableEdits(on) {
    form.querySelector('[data-draw="select"]').disabled = !on;
    form.querySelector('[data-draw="delete"]').disabled = !on && !text.value.trim();
  }

  // changed follows a finished drawing or edit: one area only, written to the field and checked.
  function changed() {
    var f = drawn();
    enableEdits(!!f);
    if (!f) { return; }
    check(JSON.stringify(f), "", false);
  }

  function setMode(mode) {
    if (!draw) { return; }
    draw.setMode(mode);
    pressed(mode);
    if (mode === "select") {
      var f = draw.getSnapshot().filter(function (x) { return x.geometry.type === "Polygon"; })[0];
      if (f) { draw.selectFeature(f.id); }
    }
  }

  // replaceWith keeps only the feature with this id on the drawing layer and hides any uploaded area.
  function replaceWith(id) {
    var others = draw.getSnapshot().filter(function (f) { return f.id !== id && f.geometry.type === "Polygon"; });
    if (others.length) { draw.removeFeatures(others.map(function (f) { return f.id; })); }
    setData("aoi", EMPTY);
    input.value = "";
  }

  function remove() {
    if (draw) { draw.clear(); setMode("static"); }
    setData("aoi", EMPTY);
    clearTry();
    input.value = "";
    text.value = "";
    enableEdits(false);
    say(fbT("js.area_deleted"), false);
  }

  // fromView draws a rectangle over the map view, a tenth inside its edges.
  function fromView() {
    var b = map.getBounds();
    var dx = (b.getEast() - b.getWest()) / 10, dy = (b.getNorth() - b.getSouth()) / 10;
    var w = b.getWest() + dx, e = b.getEast() - dx, s = b.getSouth() + dy, n = b.getNorth() - dy;
    var r = function (v) { return Math.round(v * 1e7) / 1e7; };
    var ring = [[r(w), r(s)], [r(e), r(s)], [r(e), r(n)], [r(w), r(n)], [r(w), r(s)]];
    draw.clear();
    var res = draw.addFeatures([{ type: "Feature", properties: { mode: "rectangle" },
      geometry: { type: "Polygon", coordinates: [ring] } }]);
    if (res[0] && res[0].valid) { replaceWith(res[0].id); }
    changed();
    setMode("select");
  }

  function startDrawing() {
    var adapter = new terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map: map });
    var style = { fillColor: BLUE, fillOpacity: 0.15, outlineColor: BLUE, outlineWidth: 2 };
    var editable = { feature: { draggable: true, coordinates: { draggable: true, midpoints: true, deletable: true } } };
    draw = new terraDraw.TerraDraw({
      adapter: adapter,
      modes: [
        new terraDraw.TerraDrawRectangleMode({ drawInteraction: "click-move-or-drag", styles: style }),
        new terraDraw.TerraDrawPolygonMode({ styles: style }),
        new terraDraw.TerraDrawSelectMode({
          flags: { polygon: editable, rectangle: editable },
          styles: { selectedPolygonColor: BLUE, selectedPolygonOutlineColor: BLUE, selectedPolygonFillOpacity: 0.2,
            selectionPointColor: "#ffffff", selectionPointOutlineColor: BLUE, selectionPointWidth: 7,
            selectionPointOutlineWidth: 2, midPointColor: BLUE, midPointWidth: 4 }
        })
      ]
    });
    draw.start();
    draw.on("finish", function (id, ctx) {
      if (ctx.mode === "rectangle" || ctx.mode === "polygon") {
        replaceWith(id);
        changed();
        setMode("select");
      } else {
        changed();
      }
    });
    draw.on("change", function (ids, type) {
      if (type === "delete" && !drawn() && draw.getMode() === "select") {
        text.value = "";
        enableEdits(false);
        say(fbT("js.area_deleted"), false);
      }
    });
    api.draw = draw;
    api.map = map;
    api.area = drawn;
    api.ready = true;
  }

  tools.forEach(function (b) {
    b.addEventListener("click", function () {
      var what = b.dataset.draw;
      if (!draw) { return; }
      if (what === "delete") { remove(); return; }
      if (what === "view") { fromView(); return; }
      setMode(what);
      if (what !== "select") { el.querySelector("canvas").focus(); }
    });
  });

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    if (draw) { draw.clear(); setMode("static"); }
    enableEdits(false);
    say("Checking " + file.name + "…", false);
    file.text().then(function (raw) {
      form.querySelector('[data-draw="delete"]').disabled = false;
      return check(raw, file.name, true);
    });
  });

  // tryGrid previews the tasks a grid split of the area would make, on the same map, without saving anything.
  document.getElementById("try-split").addEventListener("click", function () {
    var out = document.getElementById("try-status");
    if (!text.value.trim()) { out.textContent = fbT("js.area_first"); return; }
    var cell = Number(document.getElementById("f-try-cell").value);
    var aoi;
    try { aoi = JSON.parse(text.value); } catch (e) { out.textContent = fbT("js.preview_bad_geojson"); return; }
    out.textContent = fbT("js.computing");
    fbMap.getJSON(form.dataset.preview, { method: "POST",
      body: JSON.stringify({ aoi: aoi, cell_size_m: cell }),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } }).then(function (fc) {
      if (fbMap.source(map, "try", fc)) {
        map.addLayer({ id: "try-line", type: "line", source: "try", paint: { "line-color": "#d55e00", "line-width": 1.5 } });
      }
      api.tried = fc.features.length;
      out.textContent = fbT("js.try_preview", { Count: fc.features.length, Metres: cell });
    }, function (err) {
      var p = err.problem || {};
      var details = (p.errors || []).map(function (d) { return d.message; }).join("; ");
      out.textContent = fbT("js.no_preview", { Why: details || err.message });
    });
  });

  ready.then(function () {
    startDrawing();
    // After a refused save the form comes back with the chosen area: show it again, editable when it is one
    // polygon, as drawn.
    if (!text.value.trim()) { return; }
    var gj;
    try { gj = JSON.parse(text.value); } catch (e) { return; } // the message beside the field says what is wrong
    var g = gj.type === "Feature" ? gj.geometry : gj;
    var res = g && g.type === "Polygon" ?
      draw.addFeatures([{ type: "Feature", properties: { mode: "polygon" }, geometry: g }]) : [];
    if (res[0] && res[0].valid) {
      enableEdits(true);
      fbMap.fit(map, gj);
    } else {
      show(gj);
      form.querySelector('[data-draw="delete"]').disabled = false;
    }
  });
})();
