// new_project.js: the new project form. The AOI file is read in the browser, checked by the server with the
// rules that saving applies (validity, area against the maximum), drawn on the map and copied into the form's
// "aoi" field, so the server gets it with the rest of the form. One message says what the map shows.
(function () {
  "use strict";
  var map = fbMap.create(document.getElementById("map"));
  var form = document.getElementById("new-project-form");
  var input = document.getElementById("f-aoi-file");
  var text = document.getElementById("f-aoi");
  var status = document.getElementById("aoi-status");
  var error = document.getElementById("e-aoi");
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var ready = new Promise(function (resolve) { map.on("load", resolve); });

  // say shows one message: an error beside the field (and nothing else), or a status line.
  function say(msg, isError) {
    error.textContent = isError ? msg : "";
    error.hidden = !isError;
    input.setAttribute("aria-invalid", isError ? "true" : "false");
    status.textContent = isError ? "" : msg;
  }

  function draw(gj) {
    ready.then(function () {
      if (fbMap.source(map, "aoi", gj)) {
        map.addLayer({ id: "aoi-fill", type: "fill", source: "aoi", paint: { "fill-color": "#0057a3", "fill-opacity": 0.15 } });
        map.addLayer({ id: "aoi-line", type: "line", source: "aoi", paint: { "line-color": "#0057a3", "line-width": 2 } });
      }
      fbMap.fit(map, gj);
    });
  }

  function clear() {
    ready.then(function () {
      var src = map.getSource("aoi");
      if (src) { src.setData({ type: "FeatureCollection", features: [] }); }
    });
  }

  // check asks the server what it thinks of the AOI, then shows its answer and the area it read.
  function check(raw, name) {
    return fetch(form.dataset.check, {
      method: "POST", body: raw, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error("status " + resp.status); }
      return resp.json();
    }).then(function (res) {
      if (res.geometry) {
        draw({ type: "Feature", properties: {}, geometry: { type: "MultiPolygon", coordinates: res.geometry } });
      } else {
        clear();
      }
      text.value = raw; // saving a refused file gets the same message from the server
      say((name ? name + ": " : "") + res.message, !res.ok);
    }).catch(function () {
      say("The file could not be checked: the server did not answer. Try again.", true);
    });
  }

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    say("Checking " + file.name + "…", false);
    file.text().then(function (raw) { return check(raw, file.name); });
  });

  // After a refused save the form comes back with the chosen area: show it again.
  if (text.value.trim()) {
    try {
      draw(JSON.parse(text.value));
    } catch (e) { /* the message beside the field says what is wrong */ }
  }
})();
