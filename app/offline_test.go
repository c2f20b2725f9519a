package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"fieldbase/app/tiles"
	"fieldbase/db"
)

// TestOfflineTiles: the tile URLs a mapper's browser caches cover the mapper's own tasks at the basemap's zooms,
// nobody else's, and stop at the cap.
func TestOfflineTiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	walker, err := ta.store.UserByUsername(ctx, "walker")
	if err != nil {
		t.Fatal(err)
	}
	err = ta.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for i := range 2 {
			outline := fmt.Sprintf(`{"type":"MultiPolygon","coordinates":[[[[%[1]g,0],[%[2]g,0],[%[2]g,0.01],[%[1]g,0.01],[%[1]g,0]]]]}`,
				float64(i)*0.5, float64(i)*0.5+0.01)
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (project_id, idx, outline, min_lon, min_lat, max_lon,
				max_lat, area_m2, updated_at) VALUES (?, ?, ?, ?, 0, ?, 0.01, 1, '2026-01-01T00:00:00Z')`,
				fp.id, i+1, outline, float64(i)*0.5, float64(i)*0.5+0.01); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE tasks SET state = 'locked_for_mapping', locked_by = ? WHERE project_id = ? AND idx = 1`,
			walker.ID, fp.id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	basemap := func(minZ, maxZ int) int64 {
		b, err := ta.store.CreateBasemap(ctx, db.Basemap{ProjectID: fp.id, Name: "b.mbtiles",
			FileKey: fmt.Sprintf("p%d/b%d-%d.mbtiles", fp.id, minZ, maxZ), Container: tiles.MBTiles, Size: 1, SHA256: "x"},
			func(context.Context, *sql.Tx, int64) (int64, error) { return 0, nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.store.FinishBasemap(ctx, b.ID, db.BasemapReady, "", db.BasemapInfo{Format: "png",
			TileType: "raster", Compression: "none", MinZoom: minZ, MaxZoom: maxZ, West: -180, South: -85, East: 180,
			North: 85}); err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	bid := basemap(14, 16)
	list := func(token string) OfflineTilesBody {
		t.Helper()
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/projects/%d/offline-tiles", fp.id), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, body := ta.do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		var out OfflineTilesBody
		decode(t, body, &out)
		return out
	}
	got := list(fp.mapper)
	if len(got.Tasks) != 1 || got.Tasks[0] != 1 || got.Truncated {
		t.Fatalf("tasks %v truncated %v", got.Tasks, got.Truncated)
	}
	// Task 1 spans 0..0.01 degrees: 1 tile wide at z14 (0.022 degrees a tile), 2 at z15, 3 at z16; 1x2, 2x2, 2x3.
	x14, y14 := lonLatTile(0, 0.01, 14)
	want := fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/14/%d/%d", fp.id, bid, x14, y14)
	if len(got.URLs) == 0 || got.URLs[0] != want {
		t.Fatalf("first URL %v, want %s", got.URLs, want)
	}
	x, _ := lonLatTile(0.5, 0, 14)
	for _, u := range got.URLs {
		if strings.Contains(u, fmt.Sprintf("/tiles/14/%d/", x)) {
			t.Errorf("%s covers task 2, which is not the mapper's", u)
		}
	}
	if n := len(got.URLs); n < 3 || n > 20 {
		t.Errorf("%d tiles for a 1 km task at z14-16", n)
	}
	if other := list(fp.validator); len(other.URLs) != 0 || len(other.Tasks) != 0 {
		t.Errorf("a member with no task of their own gets %v", other)
	}
	basemap(12, 22)
	if capped := list(fp.mapper); len(capped.URLs) != offlineTileCap || !capped.Truncated {
		t.Errorf("with zooms to 22: %d tiles, truncated %v; want the cap %d", len(capped.URLs), capped.Truncated, offlineTileCap)
	}
}
