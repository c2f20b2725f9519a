// map_common.js: what every Fieldbase map page shares (global fbMap). A plain background style (no tiles, no
// glyphs, nothing fetched from outside the server), task state colours read from app.css, GeoJSON helpers.
(function () {
  "use strict";

  var STATES = ["ready", "locked_for_mapping", "mapped", "locked_for_validation", "validated", "invalidated"];

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // stateColor is a MapLibre expression colouring a feature by its "state" property.
  function stateColor() {
    var expr = ["match", ["get", "state"]];
    STATES.forEach(function (s) { expr.push(s, cssVar("--state-" + s, "#888888")); });
    expr.push("#888888");
    return expr;
  }

  function create(el) {
    var map = new maplibregl.Map({
      container: el,
      style: { version: 8, sources: {}, layers: [
        { id: "background", type: "background", paint: { "background-color": "#eef1f4" } }] },
      center: [0, 0], zoom: 1, attributionControl: false, dragRotate: false, pitchWithRotate: false
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.touchZoomRotate.disableRotation();
    return map;
  }

  // bbox walks any GeoJSON object and returns [minLon, minLat, maxLon, maxLat], or null when empty.
  function bbox(gj) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    function walk(c) {
      if (typeof c[0] === "number") {
        b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
        b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
        return;
      }
      c.forEach(walk);
    }
    function visit(o) {
      if (!o) { return; }
      if (o.type === "FeatureCollection") { o.features.forEach(visit); return; }
      if (o.type === "Feature") { visit(o.geometry); return; }
      if (o.type === "GeometryCollection") { o.geometries.forEach(visit); return; }
      if (o.coordinates) { walk(o.coordinates); }
    }
    visit(gj);
    return b[0] === Infinity ? null : b;
  }

  // fit shows the whole of a GeoJSON object at once; padding (MapLibre's: pixels or {top, bottom, left, right})
  // defaults to 30 px.
  function fit(map, gj, padding) {
    var b = bbox(gj);
    if (b) {
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: padding || 30, duration: 0, maxZoom: 18 });
    }
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // getJSON fetches JSON from the server; a failed answer rejects with the problem detail when there is one.
  function getJSON(url, opts) {
    opts = opts || {};
    opts.credentials = "same-origin";
    opts.headers = opts.headers || {};
    opts.headers.Accept = "application/geo+json, application/json";
    return fetch(url, opts).then(function (r) {
      if (r.ok) { return r.json(); }
      return r.json().catch(function () { return {}; }).then(function (p) {
        var err = new Error(p.detail || ("error " + r.status));
        err.problem = p;
        throw err;
      });
    });
  }

  // source sets (or adds) a GeoJSON source's data.
  function source(map, id, data) {
    var s = map.getSource(id);
    if (s) { s.setData(data); return false; }
    map.addSource(id, { type: "geojson", data: data });
    return true;
  }

  window.fbMap = { STATES: STATES, create: create, fit: fit, bbox: bbox, stateColor: stateColor, csrf: csrf,
    getJSON: getJSON, source: source, cssVar: cssVar };
})();
