package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"fieldbase/db"
)

// TestMain lets the test binary act as a `fieldbase serve` child process, so a test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if args := os.Getenv("FB_TEST_CHILD_ARGS"); args != "" { // any command, arguments separated by "\x1f"
		if err := run(context.Background(), append([]string{"fieldbase"}, strings.Split(args, "\x1f")...),
			os.Getenv, nil, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv("FB_TEST_CHILD_DIR"); dir != "" {
		err := run(context.Background(), []string{"fieldbase", "serve", "--dir", dir, "--http", "127.0.0.1:0"},
			os.Getenv, nil, os.Stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cheapHashing keeps user creation fast in these tests.
var cheapHashing = map[string]string{"FIELDBASE_AUTH_ARGON2_MEMORY_KIB": "64", "FIELDBASE_AUTH_ARGON2_ITERATIONS": "1",
	"FIELDBASE_LOG_LEVEL": "error"}

// writeUntil creates users concurrently until stop is closed and returns the usernames the server acknowledged
// with 201.
func writeUntil(t *testing.T, base, token string, stop <-chan struct{}, acked chan<- string) {
	t.Helper()
	var wg sync.WaitGroup
	c := &http.Client{Timeout: 10 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-u%d", w, i)
				req, _ := http.NewRequest("POST", base+"/api/v1/users", strings.NewReader(
					`{"username":"`+name+`","password":"long enough pw"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := c.Do(req)
				if err != nil {
					continue // the server went away: not acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked <- name
				}
			}
		}()
	}
	wg.Wait()
	close(acked)
}

// missing opens the database after the server is gone and returns the acknowledged users it lacks.
func missing(t *testing.T, dir string, acked []string) []string {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, dir, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var check string
	if err := store.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %s %v", check, err)
	}
	var lost []string
	for _, name := range acked {
		if _, err := store.UserByUsername(ctx, name); err != nil {
			lost = append(lost, name)
		}
	}
	return lost
}

func createRoot(t *testing.T, dir string) {
	t.Helper()
	if err := run(context.Background(), []string{"fieldbase", "admin", "create", "--dir", dir, "--username", "root",
		"--password", "a long password"}, func(k string) string { return cheapHashing[k] }, nil, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// TestKill9KeepsAcknowledgedWrites kills the server with SIGKILL in the middle of concurrent writes: every write
// it acknowledged must be in the database afterwards (synchronous=FULL, the default).
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	createRoot(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FB_TEST_CHILD_DIR="+dir)
	for k, v := range cheapHashing {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := ""
	sc := bufio.NewScanner(out)
	for base == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatal("the child server did not start")
	}
	go func() {
		for sc.Scan() { // keep draining the child's output
		}
	}()
	token := apiToken(t, base, "root", "a long password")
	stop := make(chan struct{})
	ackCh := make(chan string, 1<<16)
	go writeUntil(t, base, token, stop, ackCh)
	var acked []string
	for name := range ackCh {
		acked = append(acked, name)
		if len(acked) == 300 {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
				t.Fatal(err)
			}
			close(stop)
		}
	}
	if len(acked) < 300 {
		t.Fatalf("only %d writes were acknowledged", len(acked))
	}
	if lost := missing(t, dir, acked); len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after kill -9, e.g. %v", len(lost), len(acked), lost[:1])
	}
}

// TestGracefulShutdownLosesNoWrite stops the server (as SIGTERM does) during concurrent writes: it exits cleanly
// and every acknowledged write is kept.
func TestGracefulShutdownLosesNoWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	createRoot(t, dir)
	base, stopServer, done := startServeEnv(t, dir, cheapHashing)
	token := apiToken(t, base, "root", "a long password")
	stop := make(chan struct{})
	ackCh := make(chan string, 1<<16)
	go writeUntil(t, base, token, stop, ackCh)
	var acked []string
	for name := range ackCh {
		acked = append(acked, name)
		if len(acked) == 200 {
			stopServer()
			if err := <-done; err != nil {
				t.Errorf("shutdown returned %v", err)
			}
			close(stop)
		}
	}
	if lost := missing(t, dir, acked); len(lost) > 0 {
		t.Fatalf("%d acknowledged writes lost in a graceful shutdown", len(lost))
	}
}
