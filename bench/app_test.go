// Package bench holds Fieldbase's benchmarks: the speed figures the issues ask for are measured here with
// `go test -run '^$' -bench . ./bench/`, never asserted in tests.
package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"fieldbase/app"
	"fieldbase/app/auth"
	"fieldbase/app/config"
	"fieldbase/app/jobs"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// benchApp is the real application on a fresh database file, served on a free port of 127.0.0.1.
type benchApp struct {
	App   *app.App
	Store *db.Store
	Jobs  *jobs.Jobs
	Cfg   config.Config
	URL   string
}

// newBenchApp builds and serves the application; edit may change the configuration (synchronous is FULL, the
// default, unless edit says otherwise).
func newBenchApp(b testing.TB, edit ...func(*config.Config)) *benchApp {
	b.Helper()
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Data.Dir = b.TempDir()
	cfg.Log.Level = "error"
	for _, e := range edit {
		e(&cfg)
	}
	store := dbtest.OpenDir(b, cfg.Data.Dir, db.Options{Synchronous: cfg.DB.Synchronous})
	if err := jobs.Migrate(ctx, store); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	jq, err := jobs.New(store, jobs.Options{Workers: cfg.Jobs.Workers, PollInterval: cfg.Jobs.PollInterval, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(cfg, store, jq, app.Assets{Templates: os.DirFS("../web/templates"),
		Static: os.DirFS("../web/static"), I18n: os.DirFS("../web/i18n")}, app.Build{Version: "bench", Log: log})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = a.Serve(ln) }()
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Shutdown(sctx)
		_ = jq.Stop(sctx)
		_ = store.Close()
	})
	return &benchApp{App: a, Store: store, Jobs: jq, Cfg: cfg, URL: "http://" + ln.Addr().String()}
}

// User creates a user with password and returns its id and a bearer token.
func (ba *benchApp) User(b testing.TB, username, password string, admin bool) (int64, string) {
	b.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(password, auth.Params{Memory: uint32(ba.Cfg.Auth.Argon2MemoryKiB),
		Iterations: uint32(ba.Cfg.Auth.Argon2Iterations), Parallelism: uint8(ba.Cfg.Auth.Argon2Parallelism),
		SaltLen: 16, KeyLen: 32})
	if err != nil {
		b.Fatal(err)
	}
	u, err := ba.Store.CreateUser(ctx, db.User{Username: username, DisplayName: username, PasswordHash: hash,
		IsAdmin: admin})
	if err != nil {
		b.Fatal(err)
	}
	plain, tokenHash, err := auth.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ba.Store.CreateCredential(ctx, db.Credential{UserID: u.ID, Kind: "token",
		ExpiresAt: time.Now().Add(time.Hour)}, tokenHash); err != nil {
		b.Fatal(err)
	}
	return u.ID, plain
}

// client is an HTTP client with enough idle connections for parallel benchmarks.
func client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024,
		MaxConnsPerHost: 1024}}
}

// get sends a GET with an optional bearer token and drains the answer.
func get(b testing.TB, c *http.Client, url, token string, want int) {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
	}
}
