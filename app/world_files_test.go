package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// readWorld reads a file web/vendor.sh made in web/static/vendor/world.
func readWorld(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "web", "static", "vendor", "world", name))
	if err != nil {
		t.Fatalf("%v (run `bash web/vendor.sh` first)", err)
	}
	return b
}

// inRing says whether lon, lat lies inside a closed ring (even-odd rule).
func inRing(ring [][2]float64, lon, lat float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > lat) != (b[1] > lat) && lon < (b[0]-a[0])*(lat-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// TestWorldLakesAndPlacesFiles: web/tools/world.js made the lakes and places the maps draw. The lakes are Natural
// Earth's 1:50m polygons (Lake Victoria holds 33°E, 1°S; Kampala, on its shore, does not lie in a lake); the places
// are [lon, lat, rank, name], ranks 1 to 5 in order, capitals rank 1, about 9,000 of them, and both files stay small
// enough that the binary grows by half a megabyte, not by the 6 MB of the packages they come from.
func TestWorldLakesAndPlacesFiles(t *testing.T) {
	t.Parallel()
	raw := readWorld(t, "lakes.geojson")
	var lakes struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &lakes); err != nil {
		t.Fatal(err)
	}
	if lakes.Type != "FeatureCollection" || len(lakes.Features) < 200 {
		t.Fatalf("lakes.geojson: a %s of %d features, want Natural Earth's 275 lakes", lakes.Type, len(lakes.Features))
	}
	inLake := func(lon, lat float64) bool {
		for _, f := range lakes.Features {
			var polys [][][][2]float64
			switch f.Geometry.Type {
			case "Polygon":
				var p [][][2]float64
				if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
					t.Fatal(err)
				}
				polys = append(polys, p)
			case "MultiPolygon":
				if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("lakes.geojson holds a %s", f.Geometry.Type)
			}
			for _, p := range polys {
				if inRing(p[0], lon, lat) && !slices.ContainsFunc(p[1:], func(hole [][2]float64) bool { return inRing(hole, lon, lat) }) {
					return true
				}
			}
		}
		return false
	}
	if !inLake(33, -1) {
		t.Error("33°E, 1°S is not in any lake: Lake Victoria is missing")
	}
	if inLake(32.58, 0.32) {
		t.Error("Kampala (32.58°E, 0.32°N) lies in a lake")
	}
	if len(raw) > 300_000 {
		t.Errorf("lakes.geojson is %d bytes, want at most 300,000", len(raw))
	}

	raw = readWorld(t, "places.json")
	var places [][]any
	if err := json.Unmarshal(raw, &places); err != nil {
		t.Fatal(err)
	}
	if len(places) < 5000 || len(places) > 15000 {
		t.Fatalf("places.json lists %d places, want about 9,000", len(places))
	}
	byName := map[string]float64{}
	last := 1.0
	for i, p := range places {
		if len(p) != 4 {
			t.Fatalf("place %d is %v, want [lon, lat, rank, name]", i, p)
		}
		lon, ok1 := p[0].(float64)
		lat, ok2 := p[1].(float64)
		rank, ok3 := p[2].(float64)
		name, ok4 := p[3].(string)
		if !ok1 || !ok2 || !ok3 || !ok4 || lon < -180 || lon > 180 || lat < -90 || lat > 90 || name == "" {
			t.Fatalf("place %d is %v, want [lon, lat, rank, name]", i, p)
		}
		if rank < last || rank > 5 {
			t.Fatalf("place %d (%s) has rank %v after rank %v: want ranks 1 to 5 in order", i, name, rank, last)
		}
		last = rank
		if _, seen := byName[name]; !seen {
			byName[name] = rank
		}
	}
	for _, capital := range []string{"Kathmandu", "Kampala", "Nairobi", "Lima", "Dhaka"} {
		if r, ok := byName[capital]; !ok || r != 1 {
			t.Errorf("%s: rank %v (listed %v), want a capital's rank 1", capital, r, ok)
		}
	}
	if len(raw) > 400_000 {
		t.Errorf("places.json is %d bytes, want at most 400,000", len(raw))
	}
}
