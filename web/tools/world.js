// world.js writes the offline world layer that every map draws underneath: land polygons and the borders between
// countries, as GeoJSON, from the pinned world-atlas TopoJSON (Natural Earth 1:50m, public domain). web/vendor.sh
// runs it with the output directory; pages fetch the files from /static/vendor/world/.
//
// The conversion happens here rather than in the browser: MapLibre parses a GeoJSON URL in its worker, while
// topojson-client would decode 50m TopoJSON on the page's main thread (150-600 ms on this machine) before the
// first paint. Coordinates are rounded to 0.01 degree (about 1 km), finer than the 1:50m data itself.
//
//   node web/tools/world.js NODE_MODULES_DIR OUT_DIR
"use strict";
const fs = require("fs");
const path = require("path");

const [nm, out] = process.argv.slice(2);
if (!nm || !out) {
  console.error("usage: node world.js NODE_MODULES_DIR OUT_DIR");
  process.exit(2);
}
const topojson = require(path.resolve(nm, "topojson-client"));
const topo = JSON.parse(fs.readFileSync(path.join(nm, "world-atlas", "countries-50m.json"), "utf8"));

function round(_key, v) {
  return typeof v === "number" ? Math.round(v * 100) / 100 : v;
}

function write(name, gj) {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, name), JSON.stringify(gj, round));
}

// unwrap makes a ring that crosses the antimeridian continuous (longitudes past ±180, which MapLibre draws on the
// next copy of the world): world-atlas's rings are spherical and jump from 180 to -180, which a flat map would draw
// as a line across the whole world. A ring around the South Pole (Antarctica) is closed along the map's bottom.
function unwrap(ring) {
  let offset = 0;
  const out = [ring[0].slice()];
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (d > 180) { offset -= 360; } else if (d < -180) { offset += 360; }
    out.push([ring[i][0] + offset, ring[i][1]]);
  }
  if (offset !== 0) {
    const first = out[0], last = out[out.length - 1];
    out.push([last[0], -90], [first[0], -90], first.slice());
  }
  return out;
}

// polarSliver says whether a ring only runs along the pole (a remnant of the spherical outline, no area on a
// flat map).
function polarSliver(ring) {
  return ring.every((p) => p[1] <= -89.99);
}

const land = topojson.feature(topo, topo.objects.land);
for (const f of land.features) {
  f.geometry.coordinates = f.geometry.coordinates.map((poly) => poly.filter((r) => !polarSliver(r)).map(unwrap))
    .filter((poly) => poly.length > 0);
}
write("land.geojson", land);
// Borders are the arcs two countries share; the coastline is drawn from the land polygons' outline.
const borders = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
borders.coordinates = borders.coordinates.map((line) => {
  let offset = 0;
  return line.map((p, i) => {
    if (i > 0) {
      const d = p[0] - line[i - 1][0];
      if (d > 180) { offset -= 360; } else if (d < -180) { offset += 360; }
    }
    return [p[0] + offset, p[1]];
  });
});
write("borders.geojson", { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: borders }] });
