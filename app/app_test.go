package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
	"fieldbase/app/jobs"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// testApp is an App on a fresh, migrated SQLite file, with its job queue (not started).
type testApp struct {
	*App
	store *db.Store
	jobs  *jobs.Jobs
	cfg   config.Config
}

// newTestApp builds the real application on a new database in a temporary directory. edit may change the
// configuration first.
func newTestApp(t *testing.T, edit ...func(*config.Config)) *testApp {
	t.Helper()
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Data.Dir = t.TempDir()
	cfg.DB.Synchronous = "normal"
	cfg.Jobs.PollInterval = 50 * time.Millisecond
	cfg.Auth.Argon2MemoryKiB, cfg.Auth.Argon2Iterations = 64, 1 // cheap hashing keeps tests fast
	for _, e := range edit {
		e(&cfg)
	}
	store := dbtest.OpenDir(t, cfg.Data.Dir, db.Options{Synchronous: cfg.DB.Synchronous})
	if err := jobs.Migrate(ctx, store); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Backups: the configured directory and retention, but no schedule (a test asks for the backups it wants).
	jq, err := jobs.New(store, jobs.Options{Workers: 2, PollInterval: cfg.Jobs.PollInterval, Logger: log,
		Backups: jobs.BackupOptions{Dir: cfg.BackupsDir(), Keep: cfg.Backups.Keep, AppVersion: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, store, jq, Assets{Templates: os.DirFS("../web/templates"), Static: os.DirFS("../web/static"), I18n: testCatalogues(t)},
		Build{Version: "test", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	// Before the store closes (cleanups run last first): work requests left running must not outlive it.
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return &testApp{App: a, store: store, jobs: jq, cfg: cfg}
}

// startJobs runs the job workers until the test ends.
func (ta *testApp) startJobs(t *testing.T) {
	t.Helper()
	if err := ta.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ta.jobs.Stop(ctx)
	})
}

// do sends a request through the real Fiber stack and returns the response with its body read.
func (ta *testApp) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := ta.Fiber().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// scenario is one HTTP exchange and what must come back.
type scenario struct {
	name        string
	method, url string
	body        string
	headers     map[string]string
	wantStatus  int
	wantType    string   // prefix of Content-Type
	wantContain []string // fragments of the body
	wantAbsent  []string // fragments that must not be in the body
}

func (ta *testApp) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var body io.Reader
			if sc.body != "" {
				body = strings.NewReader(sc.body)
			}
			req := httptest.NewRequest(sc.method, sc.url, body)
			if sc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range sc.headers {
				req.Header.Set(k, v)
			}
			resp, got := ta.do(t, req)
			if resp.StatusCode != sc.wantStatus {
				t.Fatalf("status = %d, want %d; body: %s", resp.StatusCode, sc.wantStatus, got)
			}
			if ct := resp.Header.Get("Content-Type"); sc.wantType != "" && !strings.HasPrefix(ct, sc.wantType) {
				t.Errorf("content type = %q, want %q", ct, sc.wantType)
			}
			for _, w := range sc.wantContain {
				if !strings.Contains(got, w) {
					t.Errorf("body lacks %q: %s", w, got)
				}
			}
			for _, w := range sc.wantAbsent {
				if strings.Contains(got, w) {
					t.Errorf("body has %q: %s", w, got)
				}
			}
		})
	}
}

// decode parses a JSON body into v.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

// listen serves the app on a free port of 127.0.0.1 until the test ends and returns its base URL.
func (ta *testApp) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ta.Serve(ln) }()
	t.Cleanup(func() { _ = ta.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// testPassword is the password of every user newUser creates.
const testPassword = "correct horse battery"

// newUser creates an enabled user (an administrator when admin is true) with testPassword and returns its id and
// a bearer token for `Authorization: Bearer <token>`.
func (ta *testApp) newUser(t *testing.T, username string, admin bool) (int64, string) {
	t.Helper()
	ctx := context.Background()
	hash, err := ta.logins.hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ta.store.CreateUser(ctx, db.User{Username: username, DisplayName: username, PasswordHash: hash,
		IsAdmin: admin})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := ta.issue(ctx, u.ID, "token", "test")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, token
}

// bearer is the header map for a token.
func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}
