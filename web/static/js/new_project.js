// new_project.js: the new project form. The AOI file is read in the browser, checked, drawn on the map and
// copied into the form's "aoi" field, so the server gets it with the rest of the form.
(function () {
  "use strict";
  var map = fbMap.create(document.getElementById("map"));
  var input = document.getElementById("f-aoi-file");
  var text = document.getElementById("f-aoi");
  var status = document.getElementById("aoi-status");
  var error = document.getElementById("e-aoi");
  var ready = new Promise(function (resolve) { map.on("load", resolve); });

  function showError(msg) {
    error.textContent = msg;
    error.hidden = !msg;
    input.setAttribute("aria-invalid", msg ? "true" : "false");
  }

  function show(raw, keepError) {
    var gj;
    try {
      gj = JSON.parse(raw);
    } catch (e) {
      showError("This file is not GeoJSON (it does not parse as JSON).");
      return;
    }
    if (!fbMap.bbox(gj)) {
      showError("This file has no geometry.");
      return;
    }
    if (!keepError) { showError(""); }
    text.value = raw;
    ready.then(function () {
      if (fbMap.source(map, "aoi", gj)) {
        map.addLayer({ id: "aoi-fill", type: "fill", source: "aoi", paint: { "fill-color": "#0057a3", "fill-opacity": 0.15 } });
        map.addLayer({ id: "aoi-line", type: "line", source: "aoi", paint: { "line-color": "#0057a3", "line-width": 2 } });
      }
      fbMap.fit(map, gj);
    });
  }

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    status.textContent = "Reading " + file.name + "…";
    file.text().then(function (raw) {
      status.textContent = file.name + " (" + Math.round(file.size / 1024) + " KB) is shown on the map.";
      show(raw);
    });
  });

  if (text.value.trim()) {
    status.textContent = "The area you chose is shown on the map.";
    show(text.value, true);
  }
})();
