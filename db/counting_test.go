package db

import (
	"context"
	"database/sql"
	"testing"
)

// TestReadStatementsCounts checks that the read pool counts each statement once, whether it runs from the
// statement cache, inside a read transaction or parsed afresh.
func TestReadStatementsCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	tests := []struct {
		name string
		run  func() error
		want int64
	}{
		{"CachedQueryRow", func() error { return s.Ping(ctx) }, 1},
		{"CachedQueryRowAgain", func() error { return s.Ping(ctx) }, 1},
		{"PoolQuery", func() error {
			rows, err := s.DB().QueryContext(ctx, "SELECT 1 UNION ALL SELECT 2")
			if err != nil {
				return err
			}
			return rows.Close()
		}, 1},
		{"ReadTxThreeQueries", func() error {
			return s.ReadTx(ctx, func(tx *sql.Tx) error {
				for range 3 {
					if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM projects").Scan(new(int)); err != nil {
						return err
					}
				}
				return nil
			})
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.ReadStatements()
			if err := tt.run(); err != nil {
				t.Fatal(err)
			}
			if got := s.ReadStatements() - before; got != tt.want {
				t.Errorf("counted %d statements, want %d", got, tt.want)
			}
		})
	}
}
