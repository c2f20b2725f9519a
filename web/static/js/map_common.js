// map_common.js: what every Fieldbase map page shares (global fbMap). The base style is a quiet world map served
// by this server (Natural Earth land, coastlines, lakes and country borders, GeoNames populated places with their
// names; no tiles, no glyphs, nothing fetched from elsewhere), so an area always sits somewhere recognisable; a
// layer switcher offers the online basemaps an
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

  var SEA = "#d9e2ea";
  var LAND = "#f4f3ee";
  var SHORE = "#9fb0bf";
  // PLACE_ZOOM is the zoom from which a populated place of each rank (1 capitals and 5 million people or more, 2 a
  // million, 3 300,000, 4 100,000 or a regional seat, 5 50,000; web/tools/world.js) shows, dot and name.
  var PLACE_ZOOM = ["match", ["get", "r"], 1, 2, 2, 4, 3, 5, 4, 6, 7];
  var LABEL = "fb-place:";

  // worldStyle is the base style: water as the background, pale land with its coastline, lakes in the sea's colour
  // with the same shore line, thin grey borders, then populated places as small dots with their names. The
  // sources start empty and get their data once the map has loaded, so that the first paint of a page's own
  // layers never waits for the world.
  //
  // The names are icons, not text: MapLibre's text needs glyph PBFs, which no pinned package of ours ships with a
  // licence to redistribute, and fetching them from a font server would break the offline promise. So each name
  // is drawn once, when MapLibre first asks for its image (styleimagemissing, see placeLabel), on a canvas in the
  // page's own font, and added as an image. A symbol layer places those images like text: they avoid each other
  // (larger places first, symbol-sort-key), stay inside the map canvas (no DOM to catch clicks or to cover the
  // side panel on a phone) and sit under the page's own layers, so tasks and features are drawn over them.
  function worldStyle() {
    var attribution = "Natural Earth";
    return {
      version: 8,
      sources: {
        "fb-world-land": { type: "geojson", data: EMPTY, attribution: attribution, maxzoom: 8, tolerance: 0.5 },
        "fb-world-lakes": { type: "geojson", data: EMPTY, maxzoom: 8, tolerance: 0.5 },
        "fb-world-borders": { type: "geojson", data: EMPTY, maxzoom: 8, tolerance: 0.5 },
        "fb-world-places": { type: "geojson", data: EMPTY, attribution: "GeoNames", maxzoom: 8 }
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": SEA } },
        { id: "fb-world-land", type: "fill", source: "fb-world-land", paint: { "fill-color": LAND } },
        { id: "fb-world-lakes", type: "fill", source: "fb-world-lakes", paint: { "fill-color": SEA } },
        { id: "fb-world-coast", type: "line", source: "fb-world-land",
          paint: { "line-color": SHORE, "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.5, 10, 1.2] } },
        { id: "fb-world-lake-shore", type: "line", source: "fb-world-lakes",
          paint: { "line-color": SHORE, "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.4, 10, 1] } },
        { id: "fb-world-borders", type: "line", source: "fb-world-borders",
          paint: { "line-color": "#a7a39b", "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.5, 10, 1.5],
            "line-dasharray": [3, 2] } },
        { id: "fb-world-places", type: "circle", source: "fb-world-places",
          filter: [">=", ["zoom"], PLACE_ZOOM],
          paint: { "circle-radius": ["match", ["get", "r"], 1, 3, 2, 2.6, 3, 2.2, 4, 1.9, 1.6],
            "circle-color": "#6b665d", "circle-stroke-color": LAND, "circle-stroke-width": 0.8 } },
        { id: "fb-world-place-labels", type: "symbol", source: "fb-world-places",
          filter: [">=", ["zoom"], PLACE_ZOOM],
          layout: { "icon-image": ["concat", LABEL, ["to-string", ["get", "r"]], ":", ["get", "n"]],
            "icon-anchor": "left", "icon-padding": 1, "symbol-sort-key": ["get", "i"] } }
      ]
    };
  }

  // placeLabel draws a place's name (the image id is LABEL + rank + ":" + name) on a canvas, with a halo in the
  // land's colour, and adds it to the map at the screen's pixel ratio. The image starts 5 px right of the dot.
  // Images stay for the page's life: at most one per place ever shown (a few kB each; a whole continent looked at
  // from zoom 7 is a few hundred).
  function placeLabel(map, id) {
    var rest = id.slice(LABEL.length);
    var rank = Number(rest.charAt(0));
    var name = rest.slice(2);
    var size = rank <= 1 ? 13 : rank <= 3 ? 12 : 11;
    var font = (rank <= 2 ? "600 " : "400 ") + size + "px " + (getComputedStyle(map.getContainer()).fontFamily || "sans-serif");
    var ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d");
    ctx.font = font;
    var pad = 5;
    var w = Math.ceil(ctx.measureText(name).width) + pad + 3;
    var h = size + 6;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    ctx.scale(ratio, ratio);
    ctx.font = font;
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(244, 243, 238, 0.9)";
    ctx.strokeText(name, pad, h / 2);
    ctx.fillStyle = rank <= 2 ? "#2f2c27" : "#4a463f";
    ctx.fillText(name, pad, h / 2);
    map.addImage(id, ctx.getImageData(0, 0, canvas.width, canvas.height), { pixelRatio: ratio });
  }

  // placesData turns web/tools/world.js's list of [lon, lat, rank, name] (largest places first) into GeoJSON; i is
  // the place's position in that list, which decides which name wins where two would overlap. Anything else (the
  // figures' proxy answers an empty collection for "world off") is no places.
  function placesData(list) {
    if (!Array.isArray(list)) { return EMPTY; }
    return { type: "FeatureCollection", features: list.map(function (p, i) {
      return { type: "Feature", properties: { r: p[2], n: p[3], i: i }, geometry: { type: "Point", coordinates: [p[0], p[1]] } };
    }) };
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
    this.choices = [{ value: "", label: fbT("js.world_map"), spec: function () { return null; } }];
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
    label.textContent = fbT("js.basemap");
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
      center: [0, 0], zoom: 1, attributionControl: false, dragRotate: false, pitchWithRotate: false,
      // The map's own controls speak the page's language too.
      locale: {
        "Map.Title": fbT("js.map"), "NavigationControl.ZoomIn": fbT("js.zoom_in"),
        "NavigationControl.ZoomOut": fbT("js.zoom_out"), "NavigationControl.ResetBearing": fbT("js.reset_bearing"),
        "GeolocateControl.FindMyLocation": fbT("js.find_location"),
        "GeolocateControl.LocationNotAvailable": fbT("js.location_unavailable"),
        "AttributionControl.ToggleAttribution": fbT("js.toggle_attribution"), "Popup.Close": fbT("js.dismiss")
      }
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.addControl(new maplibregl.AttributionControl({ compact: true }), "bottom-right");
    map.touchZoomRotate.disableRotation();
    map.on("styleimagemissing", function (e) {
      if (e.id.indexOf(LABEL) === 0 && !map.hasImage(e.id)) { placeLabel(map, e.id); }
    });
    map.once("load", function () {
      map.getSource("fb-world-land").setData(WORLD + "land.geojson");
      map.getSource("fb-world-borders").setData(WORLD + "borders.geojson");
      // Lakes and places follow once the map has drawn everything else (idle), or after 3 s at the latest: on a
      // two-core phone MapLibre has one worker, which parses the sources in turn, and the page's own layers and
      // the land come first.
      var extras = false;
      function loadExtras() {
        if (extras) { return; }
        extras = true;
        map.getSource("fb-world-lakes").setData(WORLD + "lakes.geojson");
        fetch(WORLD + "places.json", { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .catch(function () { return null; })
          .then(function (list) { map.getSource("fb-world-places").setData(placesData(list)); });
      }
      map.once("idle", loadExtras);
      setTimeout(loadExtras, 3000);
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
