package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func mustBasemap(t *testing.T, s *Store, pid, uid int64, key string) Basemap {
	t.Helper()
	b, err := s.CreateBasemap(context.Background(), Basemap{ProjectID: pid, Name: "m.mbtiles", FileKey: key,
		Container: "mbtiles", Size: 10, SHA256: "ab", CreatedBy: uid},
		func(context.Context, *sql.Tx, int64) (int64, error) { return 42, nil })
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateBasemap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	b := mustBasemap(t, s, pid, uid, "p1/a.mbtiles")
	if b.State != BasemapValidating || b.JobID != 42 || b.CreatedBy != uid || b.Name != "m.mbtiles" {
		t.Errorf("created = %+v", b)
	}
	t.Run("ErrConflictSameKey", func(t *testing.T) {
		_, err := s.CreateBasemap(ctx, Basemap{ProjectID: pid, Name: "x", FileKey: "p1/a.mbtiles",
			Container: "mbtiles"}, func(context.Context, *sql.Tx, int64) (int64, error) { return 1, nil })
		if !errors.Is(err, ErrConflict) {
			t.Errorf("err = %v, want conflict", err)
		}
	})
	t.Run("EnqueueFailureLeavesNoRow", func(t *testing.T) {
		_, err := s.CreateBasemap(ctx, Basemap{ProjectID: pid, Name: "x", FileKey: "p1/b.mbtiles",
			Container: "mbtiles"}, func(context.Context, *sql.Tx, int64) (int64, error) {
			return 0, errors.New("queue down")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if ok, _ := s.BasemapFileReferenced(ctx, "p1/b.mbtiles"); ok {
			t.Error("row kept after the enqueue failed")
		}
	})
}

func TestFinishBasemap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	b := mustBasemap(t, s, pid, uid, "p1/a.mbtiles")
	tests := []struct {
		name, state, msg string
		info             BasemapInfo
	}{
		{"OKReady", BasemapReady, "", BasemapInfo{Format: "png", TileType: "raster", Compression: "none",
			MinZoom: 2, MaxZoom: 14, West: -1.5, South: 50, East: 2.25, North: 52, Attribution: "© me", Layers: "water,roads"}},
		{"OKInvalidOverwrites", BasemapInvalid, "the file is not a database", BasemapInfo{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.FinishBasemap(ctx, b.ID, tc.state, tc.msg, tc.info); err != nil {
				t.Fatal(err)
			}
			got, err := s.ProjectBasemap(ctx, pid, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tc.state || got.Message != tc.msg || got.BasemapInfo != tc.info {
				t.Errorf("got %+v", got)
			}
		})
	}
	t.Run("ErrNotFoundUnknown", func(t *testing.T) {
		if err := s.FinishBasemap(ctx, b.ID+100, BasemapReady, "", BasemapInfo{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ErrCheckBadState", func(t *testing.T) {
		if err := s.FinishBasemap(ctx, b.ID, "done", "", BasemapInfo{}); err == nil {
			t.Error("state done accepted")
		}
	})
}

func TestDeleteBasemap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	b := mustBasemap(t, s, pid, uid, "p1/a.mbtiles")
	mustBasemap(t, s, pid, uid, "p1/c.pmtiles")
	if _, err := s.ProjectBasemap(ctx, pid+1, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("other project: err = %v", err)
	}
	if _, err := s.DeleteBasemap(ctx, pid+1, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete from other project: err = %v", err)
	}
	key, err := s.DeleteBasemap(ctx, pid, b.ID)
	if err != nil || key != "p1/a.mbtiles" {
		t.Fatalf("delete = %q, %v", key, err)
	}
	if _, err := s.DeleteBasemap(ctx, pid, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v", err)
	}
	list, err := s.Basemaps(ctx, pid)
	if err != nil || len(list) != 1 || list[0].FileKey != "p1/c.pmtiles" {
		t.Errorf("list = %+v, %v", list, err)
	}
	for key, want := range map[string]bool{"p1/a.mbtiles": false, "p1/c.pmtiles": true} {
		if ok, err := s.BasemapFileReferenced(ctx, key); err != nil || ok != want {
			t.Errorf("referenced(%s) = %v, %v", key, ok, err)
		}
	}
}
