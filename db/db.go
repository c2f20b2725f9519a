// Package db is the only code that writes SQL: it opens the SQLite database (a concurrent read pool beside one
// group-committing writer), runs the embedded goose migrations, and holds the row types and queries of every table.
// It must not import fieldbase/app or any HTTP package.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"modernc.org/sqlite"
)

// FileName is the name of the database file inside the data directory.
const FileName = "fieldbase.db"

// Options tune how the database is opened.
type Options struct {
	// Synchronous is "full" (default: an acknowledged write survives a power cut) or "normal".
	Synchronous string
	// BusyTimeout is how long a connection waits for a lock held by another connection.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool; 0 means twice the number of CPUs, at least 4.
	ReadConns int
	// MaxBatch bounds how many writes share one commit; 0 means 256.
	MaxBatch int
	// URL chooses the engine: empty or sqlite://... for SQLite in the data directory (the default), or
	// postgres://... (postgresql://...) for PostgreSQL.
	URL string
}

// Store is the database: a pool of read-only connections and one writer goroutine that owns the single write
// connection and commits concurrent writes together (group commit).
type Store struct {
	path    string
	dir     string
	read    *readPool
	write   *sql.DB
	jobs    *sql.DB
	w       *writer
	started time.Time
	hot     atomic.Pointer[stmtCache]
	// readStmts counts the statements run on the read connections (see ReadStatements).
	readStmts atomic.Int64
	// notified is told which users got notifications, after the commit (see OnNotify).
	notified atomic.Pointer[func([]int64)]
	// pg is the PostgreSQL pool when the store runs on PostgreSQL; nil on SQLite.
	pg *pgxpool.Pool
	// migrateDB is the pool goose uses on PostgreSQL (pgx as it is); nil on SQLite, where goose uses write.
	migrateDB *sql.DB
	pgClosed  atomic.Bool
}

// Open opens (creating it if needed) the database in dir and starts the writer. Close releases it.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if IsPostgresURL(opts.URL) {
		return openPostgres(ctx, dir, opts.URL)
	}
	if rest, ok := strings.CutPrefix(opts.URL, "sqlite://"); ok && rest != "" {
		dir = rest
	} else if opts.URL != "" && !ok {
		return nil, fmt.Errorf("database URL %q: want postgres://... or sqlite://DIR (or empty)", redactURL(opts.URL))
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	s := &Store{path: path, dir: dir, started: time.Now()}
	var err error
	if s.write, err = openPool(path, busy, sync, false, 1, nil); err != nil {
		return nil, err
	}
	// The write connection creates the file and switches it to WAL before any reader opens it.
	if err = s.write.PingContext(ctx); err != nil {
		_ = s.write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reads := opts.ReadConns
	if reads <= 0 {
		reads = max(4, 2*runtime.NumCPU())
	}
	readDB, err := openPool(path, busy, sync, true, reads, &s.readStmts)
	if err != nil {
		_ = s.write.Close()
		return nil, err
	}
	s.read = &readPool{DB: readDB}
	if s.jobs, err = openPool(path, busy, sync, false, 1, nil); err != nil {
		_ = s.read.Close()
		_ = s.write.Close()
		return nil, err
	}
	s.w = startWriter(s, opts.MaxBatch)
	return s, nil
}

// openPool opens one database/sql pool with the pragmas in the order that matters: busy_timeout first (so that
// switching to WAL waits for other connections), then WAL, synchronous and foreign keys. Write pools begin their
// transactions with BEGIN IMMEDIATE so that a transaction never fails to upgrade its read lock. A non-nil count
// counts the statements the pool's connections run.
func openPool(path string, busy time.Duration, sync string, readOnly bool, conns int, count *atomic.Int64) (*sql.DB,
	error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Set("_txlock", "immediate")
	}
	conn, err := sqlite.NewConnector("file:" + filepath.ToSlash(path) + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if count != nil {
		conn = countingConnector{Connector: conn, n: count}
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(0)
	pool.SetConnMaxLifetime(0)
	return pool, nil
}

// redactURL hides a password in a database URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Dir returns the data directory: the SQLite file's folder, and on PostgreSQL the node's own folder (files,
// certificates, work files).
func (s *Store) Dir() string { return s.dir }

// Path returns the database file's path (empty on PostgreSQL).
func (s *Store) Path() string { return s.path }

// DB returns the read pool, for queries outside a write.
func (s *Store) DB() *sql.DB { return s.read.DB }

// JobsDB returns the connection pool reserved for the job queue (River), so that its polling never waits behind
// the group-commit writer and vice versa.
func (s *Store) JobsDB() *sql.DB { return s.jobs }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close stops the writer once the queued writes are committed and closes every connection.
func (s *Store) Close() error {
	if s.pg != nil {
		s.pgClosed.Store(true)
		err := errors.Join(s.migrateDB.Close(), s.write.Close())
		s.pg.Close()
		return err
	}
	s.w.stop()
	s.closeHot()
	return errors.Join(s.jobs.Close(), s.read.Close(), s.write.Close())
}

// ReadTx runs fn in a read-only transaction: every query in it sees one snapshot.
func (s *Store) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg != nil {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every query, as SQLite's read transaction
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// Write runs fn inside a write transaction and returns once that transaction is durably committed (or fn failed,
// in which case none of fn's changes are kept). Concurrent calls share one commit: fn runs inside its own
// savepoint of a transaction that may hold other callers' writes. fn must use the ctx it is given (it is not
// cancelled with the caller's, because interrupting SQLite inside a transaction would roll back the whole
// batch), must only touch the database, and must be quick.
func (s *Store) Write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if s.pg != nil {
		return s.pgWrite(ctx, fn)
	}
	return s.w.do(ctx, fn)
}

// Engine names the database engine behind the store: "sqlite" (the default) or "postgres". It is also the name of
// the engine's migrations folder.
func (s *Store) Engine() string {
	if s.pg != nil {
		return "postgres"
	}
	return "sqlite"
}

// PgxPool is the PostgreSQL connection pool when the store runs on PostgreSQL (for River's riverpgxv5 driver and
// LISTEN/NOTIFY), nil on SQLite.
func (s *Store) PgxPool() *pgxpool.Pool { return s.pg }
