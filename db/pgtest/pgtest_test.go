package pgtest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"fieldbase/db/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestNewDatabase: each call gives an empty database of its own that the test can write to, and the database is
// gone once the test that made it ends.
func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("Fresh", func(t *testing.T) {
		first = pgtest.NewDatabase(t)
		second := pgtest.NewDatabase(t)
		if first == second {
			t.Fatalf("two databases share the URL %s", first)
		}
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(ctx) }()
		var tables int
		if err := conn.QueryRow(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("a new database holds %d tables", tables)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (id BIGINT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		var user string
		if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
			t.Fatal(err)
		}
		t.Logf("server %s, user %s", pgtest.ServerURL(t), user)
		// The connection stays open: the cleanup must drop the database anyway.
	})
	u, err := url.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	conn, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}
