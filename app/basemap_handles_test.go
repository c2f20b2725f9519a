package app

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/app/tiles"
	"fieldbase/app/tiles/tilestest"
	"fieldbase/db"
)

// mbtilesSet writes n one-tile MBTiles files, each of its own colour at 0/0/0, and returns their paths and tiles
// by basemap id (1 to n).
func mbtilesSet(t *testing.T, n int) (map[int64]string, map[int64][]byte) {
	t.Helper()
	dir := t.TempDir()
	paths, pngs := map[int64]string{}, map[int64][]byte{}
	for id := int64(1); id <= int64(n); id++ {
		pngs[id] = tilestest.PNG(t, color.RGBA{R: uint8(id * 10), G: 100, B: 50, A: 255})
		paths[id] = filepath.Join(dir, fmt.Sprintf("%d.mbtiles", id))
		tilestest.MBTiles(t, paths[id], tilestest.MBTilesSpec{Metadata: map[string]string{"format": "png"},
			Tiles: map[tilestest.ZXY][]byte{{Z: 0, X: 0, Y: 0}: pngs[id]}})
	}
	return paths, pngs
}

// TestMBTilesHandlesBounded reads more basemaps than the bound: the open files never exceed it, an evicted
// basemap is opened again and still reads, a file in use when evicted closes only once released, and forget
// and close close the files.
func TestMBTilesHandlesBounded(t *testing.T) {
	t.Parallel()
	const bound, n = 3, 7
	paths, pngs := mbtilesSet(t, n)
	hs := newMBTilesHandles(bound, func(b db.Basemap) (*tiles.MBTilesFile, error) {
		return tiles.OpenMBTiles(paths[b.ID])
	})
	ctx := context.Background()
	allowed := bound // and one more while a request holds an evicted file
	read := func(t *testing.T, id int64) {
		t.Helper()
		got, err := hs.tile(ctx, db.Basemap{ID: id}, 0, 0, 0)
		if err != nil || !bytes.Equal(got, pngs[id]) {
			t.Fatalf("basemap %d: %d bytes, %v", id, len(got), err)
		}
		if hs.count() > allowed {
			t.Fatalf("%d files open, allowed %d", hs.count(), allowed)
		}
	}
	t.Run("BoundedAndReopened", func(t *testing.T) {
		for round := 0; round < 2; round++ { // the second round reopens every evicted file
			for id := int64(1); id <= n; id++ {
				read(t, id)
			}
		}
		if hs.count() != bound {
			t.Errorf("%d files open, want %d", hs.count(), bound)
		}
	})
	t.Run("EvictedInUseClosesOnRelease", func(t *testing.T) {
		held, err := hs.acquire(db.Basemap{ID: 1})
		if err != nil {
			t.Fatal(err)
		}
		allowed = bound + 1
		for id := int64(2); id <= bound+1; id++ { // evicts 1 while it is in use
			read(t, id)
		}
		if _, ok := hs.byID[1]; ok {
			t.Fatal("basemap 1 is still cached")
		}
		if got, err := held.file.Tile(ctx, 0, 0, 0); err != nil || !bytes.Equal(got, pngs[1]) {
			t.Fatalf("the evicted file closed under its reader: %v", err)
		}
		if hs.count() != bound+1 {
			t.Errorf("%d files open, want %d (the bound and the one in use)", hs.count(), bound+1)
		}
		hs.release(held)
		allowed = bound
		if hs.count() != bound {
			t.Errorf("after release %d files open, want %d", hs.count(), bound)
		}
		if _, err := held.file.Tile(ctx, 0, 0, 0); !errors.Is(err, sql.ErrConnDone) &&
			(err == nil || !strings.Contains(err.Error(), "closed")) {
			t.Errorf("the released evicted file is still open: %v", err)
		}
	})
	t.Run("ForgetCloses", func(t *testing.T) {
		read(t, 5)
		before := hs.count()
		hs.forget(5)
		if _, ok := hs.byID[5]; ok || hs.count() != before-1 {
			t.Fatalf("forget left %d files open (was %d)", hs.count(), before)
		}
		hs.forget(5) // twice is harmless
		read(t, 5)   // and a later read opens it again
	})
	t.Run("CloseClosesAll", func(t *testing.T) {
		hs.close()
		if hs.count() != 0 {
			t.Fatalf("%d files open after close", hs.count())
		}
		if _, err := hs.tile(ctx, db.Basemap{ID: 1}, 0, 0, 0); !errors.Is(err, errBasemapsClosed) {
			t.Fatalf("a read after close: %v", err)
		}
	})
}

// openBasemapFiles counts the distinct files under dir/basemaps this process holds open (Linux).
func openBasemapFiles(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal("the open files are counted in /proc/self/fd (Linux):", err)
	}
	prefix := filepath.Join(dir, "basemaps") + string(filepath.Separator)
	files := map[string]bool{}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil &&
			strings.HasPrefix(target, prefix) {
			files[target] = true
		}
	}
	return len(files)
}

// TestBasemapFilesClosed serves tiles of more MBTiles basemaps than maxOpenMBTiles and counts the files the
// process really holds open: never more than the bound, an evicted basemap still serves its tile, deleting a
// basemap closes its file, and so does shutdown.
func TestBasemapFilesClosed(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	n := maxOpenMBTiles + 4
	paths, pngs := mbtilesSet(t, n)
	ids := make([]int64, 0, n)
	for i := int64(1); i <= int64(n); i++ {
		ids = append(ids, ta.readyMBTiles(t, fp.id, paths[i]))
	}
	get := func(t *testing.T, i int) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/0/0/0",
			fp.id, ids[i]), nil)
		req.Header.Set("Authorization", "Bearer "+fp.mapper)
		resp, body := ta.do(t, req)
		if resp.StatusCode != http.StatusOK || body != string(pngs[int64(i+1)]) {
			t.Fatalf("basemap %d: %d, %d bytes", ids[i], resp.StatusCode, len(body))
		}
		if open := openBasemapFiles(t, ta.cfg.Data.Dir); open > maxOpenMBTiles {
			t.Fatalf("%d basemap files open, bound %d", open, maxOpenMBTiles)
		}
	}
	for i := range ids {
		get(t, i)
	}
	get(t, 0) // evicted by now: opened again
	if open := openBasemapFiles(t, ta.cfg.Data.Dir); open == 0 {
		t.Fatal("no basemap file open: the count sees nothing")
	}

	req := httptest.NewRequest(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d", fp.id, ids[0]), nil)
	req.Header.Set("Authorization", "Bearer "+fp.pm)
	if resp, body := ta.do(t, req); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if _, ok := ta.basemaps.mbtiles.byID[ids[0]]; ok {
		t.Error("the deleted basemap's file is still cached")
	}
	if open := openBasemapFiles(t, ta.cfg.Data.Dir); open != maxOpenMBTiles-1 {
		t.Errorf("after the delete %d basemap files open, want %d", open, maxOpenMBTiles-1)
	}

	if err := ta.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if open := openBasemapFiles(t, ta.cfg.Data.Dir); open != 0 {
		t.Errorf("after shutdown %d basemap files open", open)
	}
}

// readyMBTiles stores the MBTiles file at path as a ready basemap of the project, as the validation job leaves
// it, and returns its id.
func (ta *testApp) readyMBTiles(t *testing.T, pid int64, path string) int64 {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tmp, err := ta.basemaps.files.Write(f, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("p%d/%s", pid, filepath.Base(path))
	if err := tmp.Commit(key); err != nil {
		t.Fatal(err)
	}
	b, err := ta.store.CreateBasemap(ctx, db.Basemap{ProjectID: pid, Name: filepath.Base(path), FileKey: key,
		Container: tiles.MBTiles, Size: tmp.Info.Size, SHA256: tmp.Info.SHA256},
		func(context.Context, *sql.Tx, int64) (int64, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.store.FinishBasemap(ctx, b.ID, db.BasemapReady, "", db.BasemapInfo{Format: "png",
		TileType: "raster", Compression: "none", West: -180, South: -85, East: 180, North: 85}); err != nil {
		t.Fatal(err)
	}
	return b.ID
}
