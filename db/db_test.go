package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
)

// mustOpen opens a migrated store on a new file in a temporary directory.
func mustOpen(tb testing.TB, opts Options) *Store {
	tb.Helper()
	ctx := context.Background()
	if opts.URL == "" {
		opts.URL = testURL(tb)
	}
	s, err := Open(ctx, tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	m, err := NewMigrator(s, os.DirFS("migrations"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestOpenPragmas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sync string
		want int // PRAGMA synchronous: 1 normal, 2 full
	}{{"DefaultFull", "", 2}, {"Normal", "normal", 1}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustOpen(t, Options{Synchronous: tt.sync})
			var mode string
			var syncMode, fk int
			ctx := context.Background()
			if err := s.DB().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := s.DB().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
				t.Fatal(err)
			}
			if err := s.DB().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" || syncMode != tt.want || fk != 1 {
				t.Errorf("journal_mode=%s synchronous=%d foreign_keys=%d", mode, syncMode, fk)
			}
			if _, err := s.DB().ExecContext(ctx, "INSERT INTO settings VALUES ('x','y','z')"); err == nil {
				t.Error("the read pool accepted a write")
			}
		})
	}
}

func TestMigrateUpDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	m, err := NewMigrator(s, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := m.Version(ctx)
	if err != nil || up < 1 {
		t.Fatalf("version after up = %d, %v", up, err)
	}
	// Versions may have gaps (migrations are numbered by the branch that adds them): each step goes lower.
	for v := up; v > 0; {
		got, err := m.Down(ctx)
		if err != nil || got >= v {
			t.Fatalf("down from %d: got %d, %v", v, got, err)
		}
		v = got
	}
	var n int
	err = s.DB().QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'settings'").Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("settings table still there after down: %d %v", n, err)
	}
	if got, err := m.Up(ctx); err != nil || got != up {
		t.Fatalf("up again = %d, %v", got, err)
	}
	st, err := m.Status(ctx)
	files, _ := fs.Glob(os.DirFS("migrations"), "sqlite/*.sql")
	if err != nil || len(st) != len(files) || !st[0].Applied {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

// TestWriteGroupCommit sends many concurrent writes, some of which fail: every successful one is kept, no change
// of a failed one is, and they shared commits.
func TestWriteGroupCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{Synchronous: "normal"})
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 't')",
					fmt.Sprint("k", i)); err != nil {
					return err
				}
				if i%10 == 0 {
					return errors.New("refused") // its insert above must be undone
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != (err != nil) {
			t.Fatalf("write %d: err = %v", i, err)
		}
	}
	var kept int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != n-n/10 {
		t.Fatalf("kept %d rows, want %d", kept, n-n/10)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	insert := func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('dup', 'v', 't')")
		return err
	}
	if err := s.Write(ctx, insert); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrConflict", func(t *testing.T) {
		if err := s.Write(ctx, insert); !errors.Is(err, ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var v string
			return tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'none'").Scan(&v)
		})
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("PanicBecomesError", func(t *testing.T) {
		err := s.Write(ctx, func(context.Context, *sql.Tx) error { panic("boom") })
		if err == nil {
			t.Fatal("a panicking write reported success")
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		s2 := mustOpen(t, Options{})
		_ = s2.Close()
		if err := s2.Write(ctx, insert); !errors.Is(err, errClosed) {
			t.Fatalf("err = %v, want errClosed", err)
		}
	})
}

func TestSettingsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	got, err := s.Settings(ctx)
	if err != nil || got.SiteName != DefaultSettings().SiteName {
		t.Fatalf("defaults = %+v, %v", got, err)
	}
	if _, err := s.SaveSettings(ctx, Settings{SiteName: "Field office", DefaultLockMinutes: 60, MaxUploadMB: 5}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Settings(ctx)
	if err != nil || got.SiteName != "Field office" || got.DefaultLockMinutes != 60 || got.UpdatedAt.IsZero() {
		t.Fatalf("saved = %+v, %v", got, err)
	}
}

func TestMaintain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	run, err := s.Maintain(ctx)
	if err != nil || run.ID == 0 || run.Checkpoint == "" {
		t.Fatalf("run = %+v, %v", run, err)
	}
}
