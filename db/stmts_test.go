package db

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestReadStatementCache runs the same query many times and more distinct queries than the cache holds: answers
// stay right, the cache stays bounded, and after a migration down and up the cached statements see the new tables.
func TestReadStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	name := func() string {
		t.Helper()
		got, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got.SiteName
	}
	save := func(site string) {
		t.Helper()
		in := DefaultSettings()
		in.SiteName = site
		if _, err := s.SaveSettings(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	save("one")
	for range 20 {
		if got := name(); got != "one" {
			t.Fatalf("site name = %q", got)
		}
	}
	save("two")
	if got := name(); got != "two" {
		t.Fatalf("site name after update = %q (a cached statement must not cache rows)", got)
	}
	for i := range maxReadStmts + 50 {
		var got int
		if err := s.read.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ?", i), 1).Scan(&got); err != nil ||
			got != i+1 {
			t.Fatalf("query %d = %d, %v", i, got, err)
		}
	}
	if n := s.read.n.Load(); n > maxReadStmts {
		t.Fatalf("cache holds %d statements, bound is %d", n, maxReadStmts)
	}
	if err := s.read.QueryRowContext(ctx, "SELECT nope FROM nowhere").Scan(new(int)); err == nil {
		t.Fatal("a bad query must report its error")
	}

	m, err := NewMigrator(s, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	up, _ := m.Version(ctx)
	for v := up; v > 0; { // versions may have gaps
		var err error
		if v, err = m.Down(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.read.n.Load(); n != 0 {
		t.Fatalf("cache holds %d statements after a migration", n)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != DefaultSettings().SiteName {
		t.Fatalf("site name after down and up = %q, want the default", got)
	}
}
