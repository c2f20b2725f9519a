package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fieldbase/app/config"
	"fieldbase/app/jobs"
)

func noEnv(string) string { return "" }

// lineWriter is a concurrency-safe stdout that also hands each line to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 1024)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		select {
		case w.lines <- sc.Text():
		default:
		}
	}
	return len(p), nil
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `fieldbase serve` on a free port and returns its base URL, a stop function and the result
// channel of run().
func startServe(t *testing.T, dir string) (string, context.CancelFunc, chan error) {
	t.Helper()
	return startServeEnv(t, dir, nil)
}

// startServeEnv is startServe with extra environment variables.
func startServeEnv(t *testing.T, dir string, env map[string]string) (string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := newLineWriter()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"fieldbase", "serve", "--dir", dir, "--http", "127.0.0.1:0"},
			func(k string) string {
				if v, ok := env[k]; ok {
					return v
				}
				return map[string]string{"FIELDBASE_JOBS_POLL_INTERVAL": "50ms", "FIELDBASE_LOG_LEVEL": "warn"}[k]
			}, nil, out)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-out.lines:
			if m := listening.FindStringSubmatch(line); m != nil {
				return m[1], cancel, done
			}
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before listening: %v", err)
		case <-timeout:
			cancel()
			t.Fatal("serve did not start")
		}
	}
}

func TestServeHealthyAndGracefulStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop, done := startServe(t, dir)
	resp, err := http.Get(base + "/api/v1/healthcheck")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"database":"ok"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("graceful stop returned %v (exit code %d)", err, exitCode(err))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(base + "/api/v1/healthcheck"); err == nil {
		t.Fatal("still answering after stop")
	}
}

// TestQueuedJobRunsAfterRestart queues a job while no worker runs, stops, and checks that the next start runs it.
func TestQueuedJobRunsAfterRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store, _, err := openStore(ctx, configFor(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	jq, err := jobs.New(store, jobs.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	id, err := jq.Insert(ctx, jobs.MaintenanceArgs{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"fieldbase", "admin", "create", "--dir", dir, "--username", "root",
		"--password-stdin"}, noEnv, strings.NewReader("a long password\n"), &out); err != nil {
		t.Fatal(err)
	}
	base, stop, done := startServe(t, dir)
	defer func() { stop(); <-done }()
	token := apiToken(t, base, "root", "a long password")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", base+"/api/v1/jobs/"+itoa(id), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `"state":"completed"`) {
			return
		}
		time.Sleep(25 * time.Millisecond) // polling interval, not a correctness wait
	}
	t.Fatal("the job queued before the restart did not run")
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int // 0 = success
		wantOut  string
		wantErr  string
	}{
		{"Version", []string{"version"}, nil, 0, "fieldbase dev (commit none, built unknown)", ""},
		{"Help", []string{"help"}, nil, 0, "Usage: fieldbase", ""},
		{"ErrNoCommand", []string{}, nil, 2, "", "no command"},
		{"ErrUnknownCommand", []string{"serv"}, nil, 2, "", `unknown command "serv"`},
		{"ErrBadFlag", []string{"serve", "--port", "1"}, nil, 2, "", "flag provided but not defined: -port"},
		{"ErrInvalidConfig", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_JOBS_WORKERS": "-3"}, 2, "",
			"jobs.workers"},
		{"ErrMigrateArg", []string{"migrate", "sideways", "--dir", dir}, nil, 2, "", "migrate needs"},
		{"MigrateUp", []string{"migrate", "--dir", dir, "up"}, nil, 0, "database at version", ""},
		{"FlagsAfterArgument", []string{"migrate", "status", "--dir", dir}, nil, 0, "applied", ""},
		{"ErrServeArgument", []string{"serve", "now"}, nil, 2, "", "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, err := runCommand(context.Background(), tt.args, tt.env)
			if code != tt.wantCode {
				t.Fatalf("exit code %d (err %v), want %d", code, err, tt.wantCode)
			}
			if tt.wantOut != "" && !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tt.wantOut)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err %v lacks %q", err, tt.wantErr)
			}
		})
	}
}

// runCommand runs `fieldbase args...` with env as the whole environment and returns the exit code, stdout and the
// error main would print.
func runCommand(ctx context.Context, args []string, env map[string]string) (int, string, error) {
	var out bytes.Buffer
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	err := run(ctx, append([]string{"fieldbase"}, args...), func(k string) string { return env[k] },
		strings.NewReader(""), &out, environ...)
	if err != nil {
		return exitCode(err), out.String(), err
	}
	return 0, out.String(), nil
}

// TestConfigMistakes checks that every configuration mistake, in any command, exits 2 with the key or the file and
// the rule, before anything is created.
func TestConfigMistakes(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "data")
	conf := func(name, body string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := conf("typo.toml", "[server]\nadr = \"127.0.0.1:9000\"\n")
	broken := conf("broken.toml", "[db]\nsynchronous = \"full\"\nbusy_timeout 10s\n")
	missing := filepath.Join(tmp, "missing.toml")
	admin := []string{"admin", "create", "--dir", dir, "--username", "root", "--password", "a long password"}
	// The commands run with a cancelled context: a mistake that slipped through ends the command at once (exit 1)
	// instead of serving.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"ErrUnknownKeyInFile", []string{"serve", "--dir", dir, "--config", typo}, nil,
			"typo.toml: unknown key server.adr (did you mean server.addr?)"},
		{"ErrUnknownKeyInFileFromEnv", []string{"migrate", "up", "--dir", dir}, map[string]string{"FIELDBASE_CONFIG": typo},
			"did you mean server.addr?"},
		{"ErrUnknownVariable", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_SERVER_ADR": ":9000"},
			"unknown environment variable FIELDBASE_SERVER_ADR (did you mean FIELDBASE_SERVER_ADDR?)"},
		{"ErrMalformedTOML", []string{"migrate", "status", "--dir", dir, "--config", broken}, nil,
			"broken.toml: line 3"},
		{"ErrMissingConfigFile", []string{"serve", "--dir", dir, "--config", missing}, nil,
			"config file " + missing + " does not exist"},
		{"ErrMissingConfigFileFromEnv", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_CONFIG": missing},
			"config file " + missing + " (named by FIELDBASE_CONFIG) does not exist"},
		{"ErrSynchronous", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_DB_SYNCHRONOUS": "off"},
			"db.synchronous (FIELDBASE_DB_SYNCHRONOUS): must be one of full, normal"},
		{"ErrLogLevel", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_LOG_LEVEL": "verbose"},
			"log.level (FIELDBASE_LOG_LEVEL): must be one of debug, info, warn, error"},
		{"ErrLogFormat", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_LOG_FORMAT": "xml"},
			"log.format (FIELDBASE_LOG_FORMAT): must be one of text, json"},
		{"ErrDuration", []string{"serve", "--dir", dir}, map[string]string{"FIELDBASE_SERVER_READ_TIMEOUT": "soon"},
			"server.read_timeout (FIELDBASE_SERVER_READ_TIMEOUT): must be a duration"},
		{"ErrNumber", []string{"migrate", "up", "--dir", dir}, map[string]string{"FIELDBASE_JOBS_WORKERS": "four"},
			"jobs.workers (FIELDBASE_JOBS_WORKERS): must be a whole number"},
		{"ErrAdminUnknownKey", append(admin, "--config", typo), nil, "did you mean server.addr?"},
		{"ErrAdminUnknownVariable", admin, map[string]string{"FIELDBASE_AUTH_ARGON2_MEMORY": "8"},
			"did you mean FIELDBASE_AUTH_ARGON2_MEMORY_KIB?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, err := runCommand(cancelled, tt.args, tt.env)
			if code != 2 || !strings.Contains(fmt.Sprint(err), tt.wantErr) {
				t.Errorf("exit %d, err %v; want exit 2 and %q", code, err, tt.wantErr)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused configuration left %s behind (%v)", dir, err)
			}
		})
	}
}

// TestMigrateWithoutDatabase checks that status and down on a directory without a database say so and leave the
// directory as it was: no database file, no folder.
func TestMigrateWithoutDatabase(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	empty := filepath.Join(tmp, "empty")
	other := filepath.Join(tmp, "other")
	for _, d := range []string{empty, filepath.Join(other, "files")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		dir  string
	}{
		{"StatusEmptyDir", []string{"migrate", "status"}, empty},
		{"StatusOtherFiles", []string{"migrate", "status"}, other},
		{"StatusMissingDir", []string{"migrate", "status"}, filepath.Join(tmp, "missing")},
		{"StatusMissingNestedDir", []string{"migrate", "status"}, filepath.Join(tmp, "no", "such", "dir")},
		{"DownEmptyDir", []string{"migrate", "down"}, empty},
		{"DownMissingDir", []string{"migrate", "down"}, filepath.Join(tmp, "missing")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tree(t, tmp)
			code, out, err := runCommand(context.Background(), append(tt.args, "--dir", tt.dir), nil)
			if code != 1 || !strings.Contains(fmt.Sprint(err), "no database in "+tt.dir) || out != "" {
				t.Errorf("exit %d, err %v, stdout %q; want exit 1 and no database in %s", code, err, out, tt.dir)
			}
			if after := tree(t, tmp); !slices.Equal(after, before) {
				t.Errorf("the directory changed:\n before %q\n after  %q", before, after)
			}
		})
	}
}

// tree lists every file and folder under root (relative paths, folders ending in /, files with their size).
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %d", rel, info.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateDownAndStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := func(args ...string) string {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"fieldbase", "migrate", "--dir", dir}, args...), noEnv,
			nil, &out); err != nil {
			t.Fatalf("migrate %v: %v", args, err)
		}
		return out.String()
	}
	up := cmd("up")
	status := cmd("status")
	if !strings.Contains(status, "applied") || strings.Contains(status, "pending") {
		t.Fatalf("status after up: %s", status)
	}
	cmd("down")
	if status := cmd("status"); !strings.Contains(status, "pending") {
		t.Fatalf("status after down: %s", status)
	}
	if again := cmd("up"); again != up {
		t.Fatalf("up again = %q, want %q", again, up)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// configFor is the configuration serve would load for dir.
func configFor(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg, _, err := loadConfig("serve", []string{"--dir", dir}, noEnv, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// apiToken logs in over HTTP and returns a bearer token.
func apiToken(t *testing.T, base, username, password string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/tokens", "application/json",
		strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

func TestAdminCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := func(stdin string, args ...string) error {
		var out bytes.Buffer
		return run(context.Background(), append([]string{"fieldbase", "admin", "create", "--dir", dir}, args...),
			noEnv, strings.NewReader(stdin), &out)
	}
	if err := cmd("", "--username", "ok-admin", "--password", "long enough pw"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"ErrTaken", "", []string{"--username", "OK-ADMIN", "--password", "long enough pw"}, 1},
		{"ErrShortPassword", "", []string{"--username", "other", "--password", "short"}, 2},
		{"ErrNoPassword", "", []string{"--username", "other"}, 2},
		{"Stdin", "from stdin pw\n", []string{"--username", "second", "--password-stdin"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cmd(tt.stdin, tt.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
		})
	}
	base, stop, done := startServe(t, dir)
	defer func() { stop(); <-done }()
	if apiToken(t, base, "second", "from stdin pw") == "" {
		t.Fatal("no token")
	}
}
