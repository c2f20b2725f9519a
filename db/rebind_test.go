package db

import "testing"

// TestRebind: SQLite placeholders become PostgreSQL's, numbered as SQLite numbers them, and text in quotes or
// comments is left alone.
func TestRebind(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"WHERE p = ?1 OR q = ?1 AND r = ?2", "WHERE p = $1 OR q = $1 AND r = $2"},
		{"WHERE p = ?2 AND q = ?", "WHERE p = $2 AND q = $3"}, // a bare ? follows the largest number so far
		{"WHERE a = '?' AND b = ?", "WHERE a = '?' AND b = $1"},
		{"WHERE a = 'it''s ?' AND b = ?", "WHERE a = 'it''s ?' AND b = $1"},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT 1 -- why?\nWHERE x = ?", "SELECT 1 -- why?\nWHERE x = $1"},
		{"SELECT pg_advisory_xact_lock(1, ?::int)", "SELECT pg_advisory_xact_lock(1, $1::int)"},
		{"LIKE ? ESCAPE '\\'", "LIKE $1 ESCAPE '\\'"},
	}
	for _, c := range cases {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
