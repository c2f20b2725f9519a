package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL engine. The queries of this package are written once, in the SQL both engines understand, with
// SQLite's ? placeholders; the few that cannot be are written twice, side by side (see Store.dialect). Below
// database/sql a connector rewrites the placeholders to PostgreSQL's $1, $2... once per distinct query text, so
// the call sites are the same for both engines. There is no group-committing writer on PostgreSQL: every Write is
// its own transaction on the pool (PostgreSQL commits concurrent transactions together itself), retried when
// PostgreSQL reports a serialization failure or a deadlock.

// IsPostgresURL reports whether url names a PostgreSQL database.
func IsPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// pgPoolSize is the pool size of one node when the URL does not set pool_max_conns.
const pgPoolSize = 24

func openPostgres(ctx context.Context, dir, url string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = pgPoolSize
	}
	// Every timestamp this package writes is UTC text, but now() and friends follow the session.
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	s := &Store{dir: dir, started: time.Now(), pg: pool}
	sqlDB := sql.OpenDB(&rebindConnector{Connector: stdlib.GetPoolConnector(pool), n: &s.readStmts})
	sqlDB.SetMaxOpenConns(int(cfg.MaxConns))
	sqlDB.SetMaxIdleConns(int(cfg.MaxConns))
	// goose keeps its own table (with a real boolean column) and writes PostgreSQL's placeholders itself: it gets
	// pgx as it is, without this package's SQLite-shaped arguments.
	plain := sql.OpenDB(stdlib.GetPoolConnector(pool))
	plain.SetMaxOpenConns(2)
	s.write, s.jobs, s.migrateDB = sqlDB, sqlDB, plain
	s.read = &readPool{DB: sqlDB}
	return s, nil
}

// pgWrite runs fn in a transaction of its own and commits it, retrying the whole transaction a few times when
// PostgreSQL aborts it for a serialization failure or a deadlock (fn must be safe to run again: it only touches
// the database).
func (s *Store) pgWrite(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	if s.pgClosed.Load() {
		return errClosed
	}
	// As on SQLite, a caller giving up must not interrupt a transaction that may already be committing.
	ctx = context.WithoutCancel(ctx)
	var err error
	for attempt := range 5 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
		}
		err = s.pgWriteOnce(ctx, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) pgWriteOnce(ctx context.Context, fn func(context.Context, *sql.Tx) error) (err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(ctx, tx); err != nil {
		return mapErr(err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// retryable is a PostgreSQL error that aborted a transaction which may succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// pgConflict maps PostgreSQL's integrity violations (unique, foreign key, exclusion) to ErrConflict; CHECK and
// NOT NULL violations stay what they are (a bug in the caller, as on SQLite).
func pgConflict(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "23503", "23P01":
		return true
	case "P0001": // RAISE EXCEPTION in a trigger: the migrations' triggers refuse contradicting rows
		return true
	}
	return false
}

// rebind rewrites SQLite placeholders to PostgreSQL ones: ?NNN becomes $NNN, and a bare ? takes the number after
// the largest used so far (SQLite's own rule). Text inside quotes, identifiers in double quotes and comments is
// left alone.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	maxN := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote inside the literal
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := maxN + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			maxN = max(maxN, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rebound caches rebind's answers: the package has a few hundred distinct query texts, built once each.
var rebound sync.Map

func rebindCached(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	r := rebind(q)
	if len(q) < 8192 {
		rebound.Store(q, r)
	}
	return r
}

// rebindConnector opens pgx's database/sql connections and rewrites the placeholders of every query sent on them.
// It counts the statements in n (ReadStatements: on PostgreSQL reads and writes share the pool, so it counts both).
type rebindConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c *rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(pgxConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("pgx connection without the expected interfaces")
	}
	return &rebindConn{pgxConn: pc, n: c.n}, nil
}

// pgxConn is what pgx's stdlib connections implement that database/sql uses.
type pgxConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
}

type rebindConn struct {
	pgxConn
	n *atomic.Int64
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result,
	error) {
	c.n.Add(1)
	return c.pgxConn.ExecContext(ctx, rebindCached(query), sqliteArgs(args))
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows,
	error) {
	c.n.Add(1)
	rows, err := c.pgxConn.QueryContext(ctx, rebindCached(query), sqliteArgs(args))
	if err != nil {
		return nil, err
	}
	return sqliteRows{rows}, nil
}

func (c *rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.pgxConn.PrepareContext(ctx, rebindCached(query))
	if err != nil {
		return nil, err
	}
	if ps, ok := st.(pgxStmt); ok {
		return argStmt{pgxStmt: ps, n: c.n}, nil
	}
	return st, nil
}

func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// pgxStmt is what pgx's stdlib statements implement.
type pgxStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type argStmt struct {
	pgxStmt
	n *atomic.Int64
}

func (s argStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	return s.pgxStmt.ExecContext(ctx, sqliteArgs(args))
}

func (s argStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	rows, err := s.pgxStmt.QueryContext(ctx, sqliteArgs(args))
	if err != nil {
		return nil, err
	}
	return sqliteRows{rows}, nil
}

// sqliteRows gives results the values SQLite would: a boolean (EXISTS, a comparison) is the integer 0 or 1, so
// the same Scan into an int works on both engines (and a Scan into a bool still does).
type sqliteRows struct{ driver.Rows }

func (r sqliteRows) Next(dest []driver.Value) error {
	if err := r.Rows.Next(dest); err != nil {
		return err
	}
	for i, v := range dest {
		if b, ok := v.(bool); ok {
			dest[i] = int64(0)
			if b {
				dest[i] = int64(1)
			}
		}
	}
	return nil
}

// sqliteTimeFormat is how modernc.org/sqlite writes a time.Time argument; the PostgreSQL engine writes it the
// same way so that the same TEXT column holds the same string on both engines.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// sqliteArgs gives arguments the values SQLite would store: the schema keeps SQLite's types (flags are integers
// 0/1, timestamps are text), so a Go bool becomes 0 or 1 and a time.Time its text.
func sqliteArgs(args []driver.NamedValue) []driver.NamedValue {
	for i, a := range args {
		switch v := a.Value.(type) {
		case bool:
			args[i].Value = int64(0)
			if v {
				args[i].Value = int64(1)
			}
		case time.Time:
			args[i].Value = v.Format(sqliteTimeFormat)
		}
	}
	return args
}

// dialect picks the engine's text for a query that the two engines cannot share; both texts sit side by side at
// the call site, so that a change to one shows the other.
func (s *Store) dialect(sqlite, postgres string) string {
	if s.pg != nil {
		return postgres
	}
	return sqlite
}
