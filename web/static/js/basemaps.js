// basemaps.js: offline basemaps. window.fieldbaseBasemaps(map, projectId) adds a small control to a MapLibre map
// to pick one of the project's ready basemaps (MBTiles tiles from this server, or PMTiles read with HTTP Range
// requests through the pmtiles protocol) or the plain background; with no ready basemap the map keeps its plain
// background and gets no control. On the basemaps page it uploads the chosen file with a progress bar. Every URL
// is on this server.
(function () {
  "use strict";

  var PREFIX = "fb-basemap";
  var protocolAdded = false;
  // The pmtiles library is loaded only when a project has a PMTiles basemap: the script tag that loads this file
  // names it in data-pmtiles.
  var pmtilesURL = document.currentScript ? document.currentScript.getAttribute("data-pmtiles") : null;

  // loadPMTiles resolves once the pmtiles library is on the page (or cannot be).
  function loadPMTiles() {
    if (typeof pmtiles !== "undefined" || !pmtilesURL) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var s = document.createElement("script");
      s.src = pmtilesURL;
      s.onload = resolve;
      s.onerror = resolve;
      document.head.appendChild(s);
    });
  }

  // pmtilesReady registers the pmtiles:// protocol once, when the pmtiles library is on the page.
  function pmtilesReady() {
    if (!protocolAdded && typeof pmtiles !== "undefined" && maplibregl.addProtocol) {
      var protocol = new pmtiles.Protocol();
      maplibregl.addProtocol("pmtiles", protocol.tile);
      protocolAdded = true;
    }
    return protocolAdded;
  }

  function absolute(path) { return window.location.origin + path; }

  // source is the MapLibre source of a ready basemap.
  function source(b) {
    var type = b.tile_type === "vector" ? "vector" : "raster";
    var src = { type: type, minzoom: b.min_zoom, maxzoom: b.max_zoom };
    if (b.bounds && b.bounds.length === 4) { src.bounds = b.bounds; }
    if (b.container === "pmtiles") {
      src.url = "pmtiles://" + absolute(b.url);
    } else {
      src.tiles = [absolute(b.url)];
    }
    if (type === "raster") { src.tileSize = 256; }
    return src;
  }

  // layers is a simple style: the raster itself, or each vector layer's polygons, lines and points in greys.
  function layers(b) {
    if (b.tile_type !== "vector") {
      return [{ id: PREFIX + "-raster", type: "raster", source: PREFIX }];
    }
    var out = [];
    (b.layers || []).forEach(function (name, i) {
      var id = PREFIX + "-" + i;
      out.push({ id: id + "-fill", type: "fill", source: PREFIX, "source-layer": name,
        filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#d5dbe1", "fill-opacity": 0.7 } });
      out.push({ id: id + "-line", type: "line", source: PREFIX, "source-layer": name,
        filter: ["in", ["geometry-type"], ["literal", ["LineString", "Polygon"]]],
        paint: { "line-color": "#8a96a3", "line-width": 1 } });
      out.push({ id: id + "-point", type: "circle", source: PREFIX, "source-layer": name,
        filter: ["==", ["geometry-type"], "Point"], paint: { "circle-color": "#6b7785", "circle-radius": 2 } });
    });
    return out;
  }

  // below is the first layer above the background: basemap layers go under every project layer.
  function below(map) {
    var ls = map.getStyle().layers || [];
    for (var i = 0; i < ls.length; i++) {
      if (ls[i].type !== "background" && ls[i].id.indexOf(PREFIX) !== 0) { return ls[i].id; }
    }
    return undefined;
  }

  function clear(map) {
    (map.getStyle().layers || []).forEach(function (l) {
      if (l.id.indexOf(PREFIX) === 0) { map.removeLayer(l.id); }
    });
    if (map.getSource(PREFIX)) { map.removeSource(PREFIX); }
  }

  function show(map, b) {
    clear(map);
    if (!b || (b.container === "pmtiles" && !pmtilesReady())) { return; }
    map.addSource(PREFIX, source(b));
    var before = below(map);
    layers(b).forEach(function (l) { map.addLayer(l, before); });
  }

  // Control is a MapLibre control: a labelled select of the plain background and the ready basemaps.
  function Control(list, key) { this.list = list; this.key = key; }
  Control.prototype.onAdd = function (map) {
    var self = this;
    var box = document.createElement("div");
    box.className = "maplibregl-ctrl maplibregl-ctrl-group basemap-control";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "basemap-select";
    label.textContent = "Basemap";
    var select = document.createElement("select");
    select.id = "basemap-select";
    select.add(new Option("Plain background", ""));
    this.list.forEach(function (b) { select.add(new Option(b.name, String(b.id))); });
    var saved = null;
    try { saved = window.localStorage.getItem(this.key); } catch (e) { saved = null; }
    if (saved !== null && select.querySelector('option[value="' + CSS.escape(saved) + '"]')) {
      select.value = saved;
    } else {
      select.value = String(this.list[0].id);
    }
    select.addEventListener("change", function () {
      try { window.localStorage.setItem(self.key, select.value); } catch (e) { /* private mode */ }
      self.apply(map, select.value);
    });
    box.appendChild(label);
    box.appendChild(select);
    this.box = box;
    this.apply(map, select.value);
    return box;
  };
  Control.prototype.apply = function (map, id) {
    var b = this.list.filter(function (x) { return String(x.id) === id; })[0];
    show(map, b || null);
    this.box.title = b && b.attribution ? b.attribution.replace(/<[^>]*>/g, "") : "";
  };
  Control.prototype.onRemove = function (map) {
    clear(map);
    if (this.box.parentNode) { this.box.parentNode.removeChild(this.box); }
  };

  function whenLoaded(map, fn) {
    if (map.loaded() || map.isStyleLoaded()) { fn(); } else { map.once("load", fn); }
  }

  // fieldbaseBasemaps adds the basemap control to map once the project's basemaps are known. It resolves with
  // the ready basemaps (an empty list when there is none or the list cannot be read).
  window.fieldbaseBasemaps = function (map, projectId) {
    var url = "/api/v1/projects/" + encodeURIComponent(projectId) + "/basemaps?per_page=500";
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .catch(function () { return { items: [] }; })
      .then(function (body) {
        var items = (body.items || []).filter(function (b) { return b.state === "ready"; });
        var needsPM = items.some(function (b) { return b.container === "pmtiles"; });
        return (needsPM ? loadPMTiles() : Promise.resolve()).then(function () { return items; });
      })
      .then(function (items) {
        var ready = items.filter(function (b) {
          return b.container !== "pmtiles" || typeof pmtiles !== "undefined";
        });
        if (ready.length) {
          whenLoaded(map, function () {
            map.addControl(new Control(ready, "fieldbase.basemap." + projectId), "top-left");
          });
        }
        return ready;
      });
  };

  // problemText is the message of a problem document (the field error when there is one).
  function problemText(xhr) {
    try {
      var p = JSON.parse(xhr.responseText);
      if (p.errors && p.errors.length && p.errors[0].message) { return p.errors[0].message; }
      if (p.detail) { return p.detail; }
    } catch (e) { /* not JSON */ }
    return "The upload failed (" + (xhr.status || "network error") + ").";
  }

  // Upload form on the basemaps page: XMLHttpRequest reports upload progress, which fetch cannot.
  function initUpload(form) {
    var bar = form.querySelector("progress");
    var wrap = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var input = form.querySelector("input[type=file]");
      if (!input.files.length) { status.textContent = "Choose a file first."; return; }
      var name = input.files[0].name;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      var meta = document.querySelector('meta[name="csrf-token"]');
      if (meta) { xhr.setRequestHeader("X-CSRF-Token", meta.getAttribute("content")); }
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.floor(e.loaded * 100 / e.total);
          bar.value = pct;
          bar.textContent = pct + "%";
          status.textContent = "Uploading " + name + ": " + pct + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          status.textContent = name + " uploaded; checking it.";
          window.location.assign(form.getAttribute("data-list") + "?saved=" +
            encodeURIComponent(name + " uploaded, now being checked"));
          return;
        }
        wrap.hidden = true;
        button.disabled = false;
        status.textContent = problemText(xhr);
      });
      xhr.addEventListener("error", function () {
        wrap.hidden = true;
        button.disabled = false;
        status.textContent = problemText(xhr);
      });
      wrap.hidden = false;
      button.disabled = true;
      bar.value = 0;
      status.textContent = "Uploading " + name + "…";
      var data = new FormData();
      data.append("file", input.files[0]);
      xhr.send(data);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("basemap-upload");
    if (form) { initUpload(form); }
  });
})();
