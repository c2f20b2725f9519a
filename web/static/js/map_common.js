// map_common.js: what every Fieldbase map page shares (global fbMap). The base style is a quiet world map served
// by this server (Natural Earth land, coastlines and country borders; no tiles, no glyphs, nothing fetched from
// elsewhere), so an area always sits somewhere recognisable; a layer switcher offers the online basemaps an
// administrator configured and the project's own basemaps (basemaps.js) above it. Task state colours are read
// from app.css; GeoJSON helpers.
(function () {
  "use strict";

  var STATES = ["ready", "locked_for_mapping", "mapped", "locked_for_validation", "validated", "invalidated"];
  var WORLD = "/static/vendor/world/";
  // BASEMAP is the prefix of the chosen basemap's source and layers, drawn above the world and below the
  // page's own layers.
  var BASEMAP = "fb-basemap";
  var EMPTY = { type: "FeatureCollection", features: [] };
  var maps = [];

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

  // worldStyle is the base style: water as the background, pale land with its coastline, thin grey borders. The
  // sources start empty and get their data once the map has loaded, so that the first paint of a page's own
  // layers never waits for the world.
  function worldStyle() {
    var attribution = "Natural Earth";
    return {
      version: 8,
      sources: {
        "fb-world-land": { type: "geojson", data: EMPTY, attribution: attribution, maxzoom: 8, tolerance: 0.5 },
        "fb-world-borders": { type: "geojson", data: EMPTY, maxzoom: 8, tolerance: 0.5 }
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#d9e2ea" } },
        { id: "fb-world-land", type: "fill", source: "fb-world-land", paint: { "fill-color": "#f4f3ee" } },
        { id: "fb-world-coast", type: "line", source: "fb-world-land",
          paint: { "line-color": "#9fb0bf", "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.5, 10, 1.2] } },
        { id: "fb-world-borders", type: "line", source: "fb-world-borders",
          paint: { "line-color": "#a7a39b", "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.5, 10, 1.5],
            "line-dasharray": [3, 2] } }
      ]
    };
  }

  // isBase says whether a layer belongs to the base (the world or the chosen basemap) rather than to the page.
  function isBase(id) {
    return id === "background" || id.indexOf("fb-world-") === 0 || id.indexOf(BASEMAP) === 0;
  }

  // firstOverlay is the first of the page's own layers: a basemap goes just below it.
  function firstOverlay(map) {
    var ls = map.getStyle().layers || [];
    for (var i = 0; i < ls.length; i++) {
      if (!isBase(ls[i].id)) { return ls[i].id; }
    }
    return undefined;
  }

  function clearBasemap(map) {
    (map.getStyle().layers || []).forEach(function (l) {
      if (l.id.indexOf(BASEMAP) === 0) { map.removeLayer(l.id); }
    });
    if (map.getSource(BASEMAP)) { map.removeSource(BASEMAP); }
  }

  // showBasemap draws a choice ({source, layers}) above the world, or only the world when choice is null.
  function showBasemap(map, choice) {
    clearBasemap(map);
    if (!choice) { return; }
    var spec = choice.spec();
    if (!spec) { return; }
    map.addSource(BASEMAP, spec.source);
    var before = firstOverlay(map);
    spec.layers.forEach(function (l) { map.addLayer(l, before); });
  }

  function whenLoaded(map, fn) {
    if (map.loaded() || map.isStyleLoaded()) { fn(); } else { map.once("load", fn); }
  }

  // Switcher is the layer switcher: a labelled select of the world map and the basemaps added to it (online
  // ones from the settings, the project's own from basemaps.js). It shows only when there is a choice to make.
  // The choice is remembered per page kind (the storage key) in the browser.
  function Switcher(map) {
    this.map = map;
    this.choices = [{ value: "", label: "World map (offline)", spec: function () { return null; } }];
    this.key = "fieldbase.basemap";
    this.preferred = "";
    this.current = null;
    this.box = null;
  }
  Switcher.prototype.onAdd = function () {
    var self = this;
    var box = document.createElement("div");
    box.className = "maplibregl-ctrl maplibregl-ctrl-group basemap-control";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "basemap-select";
    label.textContent = "Basemap";
    var select = document.createElement("select");
    select.id = "basemap-select";
    select.addEventListener("change", function () {
      try { window.localStorage.setItem(self.key, select.value); } catch (e) { /* private mode */ }
      self.apply(select.value);
    });
    box.appendChild(label);
    box.appendChild(select);
    this.box = box;
    this.select = select;
    return box;
  };
  Switcher.prototype.onRemove = function () {
    if (this.box && this.box.parentNode) { this.box.parentNode.removeChild(this.box); }
  };
  // add offers more choices ({value, label, spec() -> {source, layers} or null}); prefer names the one to show
  // when the browser remembers none, key the storage key (per project for project basemaps).
  Switcher.prototype.add = function (choices, opts) {
    var self = this;
    opts = opts || {};
    if (opts.key) { this.key = opts.key; }
    if (opts.prefer && !this.preferred) { this.preferred = opts.prefer; }
    choices.forEach(function (c) { self.choices.push(c); });
    if (this.choices.length < 2) { return; }
    whenLoaded(this.map, function () { self.render(); });
  };
  Switcher.prototype.render = function () {
    if (!this.box) { this.map.addControl(this, "top-left"); }
    var select = this.select;
    while (select.options.length) { select.remove(0); }
    this.choices.forEach(function (c) { select.add(new Option(c.label, c.value)); });
    var saved = null;
    try { saved = window.localStorage.getItem(this.key); } catch (e) { saved = null; }
    var want = [saved, this.current, this.preferred, ""].filter(function (v) {
      return v !== null && select.querySelector('option[value="' + CSS.escape(v) + '"]');
    })[0];
    select.value = want;
    if (want !== this.current) { this.apply(want); }
  };
  Switcher.prototype.apply = function (value) {
    var c = this.choices.filter(function (x) { return x.value === value; })[0] || this.choices[0];
    this.current = c.value;
    showBasemap(this.map, c.value ? c : null);
    this.box.title = c.attribution ? c.attribution.replace(/<[^>]*>/g, "") : "";
  };

  // switcher is the map's layer switcher (made on first use).
  function switcher(map) {
    if (!map._fbSwitcher) { map._fbSwitcher = new Switcher(map); }
    return map._fbSwitcher;
  }

  // onlineChoice is a switcher choice for an online XYZ basemap from the settings ({name, url, attribution,
  // max_zoom}): raster tiles straight from its server, which the Content-Security-Policy allows.
  function onlineChoice(b) {
    return { value: "online:" + b.name, label: b.name + " (online)", attribution: b.attribution,
      spec: function () {
        return {
          source: { type: "raster", tiles: [b.url], tileSize: 256, maxzoom: b.max_zoom, attribution: b.attribution },
          layers: [{ id: BASEMAP + "-raster", type: "raster", source: BASEMAP }]
        };
      } };
  }

  // loadOnline offers the configured online basemaps, if any, in the map's switcher.
  function loadOnline(map) {
    return fetch("/api/v1/map/online-basemaps", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .catch(function () { return { items: [] }; })
      .then(function (body) {
        var items = body.items || [];
        if (items.length) { switcher(map).add(items.map(onlineChoice)); }
        return items;
      });
  }

  function create(el) {
    var map = new maplibregl.Map({
      container: el,
      style: worldStyle(),
      center: [0, 0], zoom: 1, attributionControl: false, dragRotate: false, pitchWithRotate: false
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.addControl(new maplibregl.AttributionControl({ compact: true }), "bottom-right");
    map.touchZoomRotate.disableRotation();
    map.once("load", function () {
      map.getSource("fb-world-land").setData(WORLD + "land.geojson");
      map.getSource("fb-world-borders").setData(WORLD + "borders.geojson");
    });
    loadOnline(map);
    maps.push(map);
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

  // fbMap.maps lists the maps made on this page (the browser tests read it); fbMap.switcher(map).add(choices,
  // {key, prefer}) offers more basemaps in the map's layer switcher (see Switcher.add).
  window.fbMap = { STATES: STATES, create: create, fit: fit, bbox: bbox, stateColor: stateColor, csrf: csrf,
    getJSON: getJSON, source: source, cssVar: cssVar, switcher: switcher, maps: maps };
})();
