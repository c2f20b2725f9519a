// basemaps.js: offline basemaps. window.fieldbaseBasemaps(map, projectId) offers the project's ready basemaps
// (MBTiles tiles from this server, or PMTiles read with HTTP Range requests through the pmtiles protocol) in the
// map's layer switcher (fbMap.switcher, map_common.js), beside the world map and any online basemaps; with no
// choice to make the map keeps the world map and shows no switcher. On the basemaps page it uploads the chosen
// file with a progress bar. Every URL is on this server.
(function () {
  "use strict";

  // PREFIX names the basemap source and layers; map_common.js draws them above the world and below the page.
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

  // choice is a layer switcher choice (map_common.js) for a ready basemap.
  function choice(b) {
    return { value: "basemap:" + b.id, label: b.name, attribution: b.attribution,
      spec: function () {
        if (b.container === "pmtiles" && !pmtilesReady()) { return null; }
        return { source: source(b), layers: layers(b) };
      } };
  }

  // fieldbaseBasemaps offers the project's ready basemaps in the map's layer switcher, the first one shown unless
  // the browser remembers another choice for this project. It resolves with the ready basemaps (an empty list
  // when there is none or the list cannot be read).
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
        var opts = { key: "fieldbase.basemap." + projectId };
        if (ready.length) { opts.prefer = "basemap:" + ready[0].id; }
        fbMap.switcher(map).add(ready.map(choice), opts);
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
    return fbT("js.upload_failed", { Status: xhr.status || fbT("js.network_error") });
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
      if (!input.files.length) { status.textContent = fbT("js.choose_file"); return; }
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
          status.textContent = fbT("js.uploading_percent", { Name: name, Percent: pct });
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          status.textContent = fbT("js.uploaded_checking", { Name: name });
          window.location.assign(form.getAttribute("data-list") + "?saved=" +
            encodeURIComponent(fbT("js.uploaded_checked", { Name: name })));
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
      status.textContent = fbT("js.uploading_name", { Name: name });
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
