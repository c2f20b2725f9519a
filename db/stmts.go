package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Parsing SQL is half the cost of a small write in this pure-Go SQLite, so the statements on the hottest write
// paths are prepared once on the single write connection and reused by every transaction (tx.StmtContext finds
// them on that connection without preparing again).
var hotWrites = []string{
	"SAVEPOINT w", "RELEASE w", "ROLLBACK TO w",
	taskSnapshotQuery, taskUpdateQuery, taskEventInsertQuery,
	submissionInsertQuery, featureSubmittedQuery, attachmentInsertQuery,
}

type stmtCache = map[string]*sql.Stmt

// prepareHot prepares hotWrites on the write connection. It runs after the migrations (the statements name their
// tables); until then, and for any statement it could not prepare, writes parse their SQL as usual.
func (s *Store) prepareHot(ctx context.Context) {
	if s.pg != nil {
		return // pgx caches the prepared form of every statement per connection itself
	}
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

// closeHot closes the prepared statements, of the writer and of the read pool.
func (s *Store) closeHot() {
	s.read.reset()
	if old := s.hot.Swap(nil); old != nil {
		for _, st := range *old {
			_ = st.Close()
		}
	}
}

// maxReadStmts bounds the read statement cache: queries built from optional filters have a few variants each,
// and anything beyond the bound is simply parsed per call.
const maxReadStmts = 512

// readPool is the read-only connection pool with its statements prepared once per connection and kept (the
// parse is as costly as running the small indexed queries of a request). It shadows the pool's QueryContext and
// QueryRowContext, so every query of the package goes through the cache.
type readPool struct {
	*sql.DB
	stmts sync.Map // query -> *sql.Stmt
	n     atomic.Int64
}

func (p *readPool) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if p.n.Load() >= maxReadStmts {
		return nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain query reports the error
	}
	if old, loaded := p.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return old.(*sql.Stmt)
	}
	p.n.Add(1)
	return st
}

// QueryContext runs a query with its prepared statement.
func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query with its prepared statement.
func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// reset closes the cached statements (before a migration changes the tables they name, and at close).
func (p *readPool) reset() {
	p.stmts.Range(func(k, v any) bool {
		p.stmts.Delete(k)
		p.n.Add(-1)
		_ = v.(*sql.Stmt).Close()
		return true
	})
}
