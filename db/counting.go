package db

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
)

// The read pool counts the statements its connections run, so that a test can see how many queries a request
// makes (and that a page's count does not grow with its rows). The counter sits at the driver, below the
// statement cache and transactions, so every query is seen once however it was issued; it costs one atomic add.

// ReadStatements returns how many SQL statements the read connections have run since Open.
func (s *Store) ReadStatements() int64 { return s.readStmts.Load() }

// sqliteConn is what every connection of the SQLite driver implements; a wrapper must forward all of it, or
// database/sql falls back to the context-free methods.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what every prepared statement of the SQLite driver implements.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// countingConnector opens the driver's connections and counts the statements run on them in n.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

// Connect opens a connection that counts its statements; one not shaped as expected is returned as it is.
func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := conn.(sqliteConn); ok {
		return &countingConn{sqliteConn: sc, n: c.n}, nil
	}
	return conn, nil
}

type countingConn struct {
	sqliteConn
	n *atomic.Int64
}

// Unwrap returns the driver's connection (modernc.org/sqlite looks through wrappers this way).
func (c *countingConn) Unwrap() driver.Conn { return c.sqliteConn }

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result,
	error) {
	c.n.Add(1)
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows,
	error) {
	c.n.Add(1)
	return c.sqliteConn.QueryContext(ctx, query, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if ss, ok := st.(sqliteStmt); ok {
		return &countingStmt{sqliteStmt: ss, n: c.n}, nil
	}
	return st, nil
}

// Prepare is PrepareContext without a context, so that no statement escapes the count.
func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

type countingStmt struct {
	sqliteStmt
	n *atomic.Int64
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	return s.sqliteStmt.ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	return s.sqliteStmt.QueryContext(ctx, args)
}
