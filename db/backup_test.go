package db_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// TestFileRootsCoverSchema fails when a migration adds a column naming stored files that backups do not know.
func TestFileRootsCoverSchema(t *testing.T) {
	t.Parallel()
	s := dbtest.Open(t, db.Options{})
	got, err := db.FileColumns(context.Background(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range db.FileRoots {
		want = append(want, r.Table+"."+r.Column)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("columns naming files = %v, db.FileRoots = %v: add the new one to FileRoots", got, want)
	}
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Open(t, db.Options{})
	u, err := s.CreateUser(ctx, db.User{Username: "pm", DisplayName: "PM", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, db.Project{Name: "Snap", Visibility: "public", Status: "draft",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: u.ID}); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "snap.db")
	if err := db.Snapshot(ctx, s.Path(), dest); err != nil {
		t.Fatal(err)
	}
	info, err := db.CheckSnapshot(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	if info.Projects != 1 || info.SchemaVersion == 0 {
		t.Fatalf("snapshot info = %+v", info)
	}
	t.Run("ErrCorrupt", func(t *testing.T) {
		raw, err := os.ReadFile(dest)
		if err != nil {
			t.Fatal(err)
		}
		for i := 4096; i < len(raw); i += 97 {
			raw[i] ^= 0xff
		}
		bad := filepath.Join(t.TempDir(), "bad.db")
		if err := os.WriteFile(bad, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckSnapshot(ctx, bad); err == nil {
			t.Fatal("a damaged copy passed the check")
		}
	})
}
