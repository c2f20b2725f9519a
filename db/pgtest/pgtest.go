// Package pgtest gives tests a real PostgreSQL server: the one named by FIELDBASE_TEST_POSTGRES (as .ci/run sets
// it), else one throwaway cluster that this test process starts from Debian's binaries (package postgresql) and
// stops when it ends. Each test takes a fresh, empty database of its own with NewDatabase. Without a server the
// tests skip, naming what is missing; under CI (the CI variable set) they fail instead, since a skipped test there
// would prove nothing. Only tests import it.
//
// A package whose tests use it stops the cluster through its TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without that, the server still dies with the test process (on Linux it is started with a parent-death signal)
// but its temporary directory stays behind (a later start removes it once it is an hour old).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the URL of a server on which the test user may CREATE DATABASE,
// e.g. postgres://fieldbase@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "FIELDBASE_TEST_POSTGRES"

// User is the superuser of the cluster this package starts.
const User = "fieldbase"

// The one server of this test process, found or started on first use. Package state on purpose: a cluster costs
// about a second to create, so every test of the process shares it.
var (
	once    sync.Once
	server  string // URL of the server's maintenance database
	skipMsg string // why there is no server (binaries missing); empty when there is one or it failed to start
	failErr error  // why the server failed to start although the binaries are there
	mu      sync.Mutex
	running *cluster // the cluster this process started, nil when none (or stopped)
)

// ServerURL returns the URL of the PostgreSQL server for tests (its "postgres" database), starting the process's
// throwaway cluster on first use. It skips tb when there is none (fails it under CI), and fails tb when the
// binaries are there but the cluster does not start.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	once.Do(find)
	switch {
	case failErr != nil:
		tb.Fatalf("pgtest: %v", failErr)
	case skipMsg != "" && os.Getenv("CI") != "":
		tb.Fatalf("pgtest: %s (CI must provide PostgreSQL: .ci/run sets %s)", skipMsg, EnvURL)
	case skipMsg != "":
		tb.Skipf("pgtest: %s", skipMsg)
	}
	return server
}

// NewDatabase creates an empty database with a random name on the test server, drops it when tb ends (forcing
// out connections still open), and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	base := ServerURL(tb)
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "fb_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := execSQL(ctx, base, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := execSQL(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests of a package, then stops the cluster this process started (if any) and exits with the
// tests' code. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	os.Exit(code)
}

// Stop stops the cluster this process started and removes its directory. It does nothing when the server came
// from FIELDBASE_TEST_POSTGRES or none was started, and may be called more than once.
func Stop() error {
	mu.Lock()
	c := running
	running = nil
	mu.Unlock()
	if c == nil {
		return nil
	}
	return c.stop()
}

// find sets server, skipMsg or failErr: the environment's server, else a cluster started here.
func find() {
	if v := os.Getenv(EnvURL); v != "" {
		server = v
		return
	}
	bin, missing := binaries()
	if missing != "" {
		skipMsg = missing
		return
	}
	c, err := start(bin)
	if err != nil {
		failErr = err
		return
	}
	mu.Lock()
	running = c
	mu.Unlock()
	server = c.url
}

// execSQL runs one statement on the database at dsn over a connection of its own.
func execSQL(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, sql)
	return err
}

// errNoCluster is returned by start where this package cannot start a cluster (not Linux).
var errNoCluster = errors.New("starting a throwaway cluster is only supported on Linux")
