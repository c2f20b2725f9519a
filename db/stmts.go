package db

import (
	"context"
	"database/sql"
)

// Parsing SQL is half the cost of a small write in this pure-Go SQLite, so the statements on the hottest write
// paths are prepared once on the single write connection and reused by every transaction (tx.StmtContext finds
// them on that connection without preparing again).
var hotWrites = []string{
	"SAVEPOINT w", "RELEASE w", "ROLLBACK TO w",
	taskSnapshotQuery, taskUpdateQuery, taskEventInsertQuery,
}

type stmtCache = map[string]*sql.Stmt

// prepareHot prepares hotWrites on the write connection. It runs after the migrations (the statements name their
// tables); until then, and for any statement it could not prepare, writes parse their SQL as usual.
func (s *Store) prepareHot(ctx context.Context) {
	m := stmtCache{}
	for _, q := range hotWrites {
		st, err := s.write.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		m[q] = st
	}
	if old := s.hot.Swap(&m); old != nil {
		for _, st := range *old {
			_ = st.Close()
		}
	}
}

// txExec runs a write statement in tx, from the prepared cache when it is there.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.hotStmt(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQueryRow runs a one-row query in tx, from the prepared cache when it is there.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.hotStmt(query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

func (s *Store) hotStmt(query string) *sql.Stmt {
	if m := s.hot.Load(); m != nil {
		return (*m)[query]
	}
	return nil
}

// closeHot closes the prepared statements.
func (s *Store) closeHot() {
	if old := s.hot.Swap(nil); old != nil {
		for _, st := range *old {
			_ = st.Close()
		}
	}
}
