package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// stormUsers is how many users log in at once, as in the load run of issue 10.
const stormUsers = 64

// BenchmarkLoginStorm64 measures the memory peak of a real `fieldbase serve` process (built like `make build`)
// while 64 users log in at the same instant over HTTP. Each iteration starts a fresh server on a fresh data
// directory, seeds the users straight into its database (so the server hashes nothing before the storm) and
// reports the process's idle RSS and its VmHWM (peak RSS) after the storm, read from /proc/PID/status. Run:
//
//	go test -run '^$' -bench LoginStorm -benchtime 3x ./bench/
func BenchmarkLoginStorm64(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc/PID/status (Linux)")
	}
	bin := buildServer(b)
	var idle, peak, wall float64
	n := 0
	for b.Loop() {
		srv := startServer(b, bin)
		seedUsers(b, srv.dir, stormUsers)
		idle += procKiB(b, srv.cmd.Process.Pid, "VmRSS") / 1024
		start := time.Now()
		loginStorm(b, srv.url, stormUsers)
		wall += float64(time.Since(start).Milliseconds())
		peak += procKiB(b, srv.cmd.Process.Pid, "VmHWM") / 1024
		srv.stop(b)
		n++
	}
	b.ReportMetric(idle/float64(n), "idle-RSS-MiB")
	b.ReportMetric(peak/float64(n), "peak-RSS-MiB")
	b.ReportMetric(wall/float64(n), "storm-ms")
}

// buildServer builds the fieldbase binary with the flags of `make build` into a temporary directory.
func buildServer(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "fieldbase")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is one `fieldbase serve` process.
type server struct {
	cmd  *exec.Cmd
	dir  string
	url  string
	done chan error
}

// startServer runs `fieldbase serve` on a free port of 127.0.0.1 and waits for its "listening on" line.
func startServer(b *testing.B, bin string) *server {
	b.Helper()
	s := &server{dir: b.TempDir(), done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--http", "127.0.0.1:0", "--dir", s.dir)
	s.cmd.Env = append(os.Environ(), "FIELDBASE_LOG_LEVEL=error")
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), "listening on "); ok {
			s.url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out); s.done <- s.cmd.Wait() }()
	if s.url == "" {
		_ = s.cmd.Process.Kill()
		b.Fatalf("server did not say where it listens: %v", <-s.done)
	}
	return s
}

// stop sends SIGINT and waits for a clean exit.
func (s *server) stop(b *testing.B) {
	b.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.done:
		if err != nil {
			b.Errorf("server exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		b.Fatal("server did not stop within 30s")
	}
}

// seedUsers writes n users with one shared password hash into the server's database from this process, as
// `fieldbase admin create` does, so none of the server's memory goes to creating them.
func seedUsers(b *testing.B, dir string, n int) {
	b.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, dir, db.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	hash, err := auth.HashPassword("a long password", auth.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("storm%02d", i)
		if _, err := store.CreateUser(ctx, db.User{Username: name, DisplayName: name, PasswordHash: hash}); err != nil {
			b.Fatal(err)
		}
	}
}

// loginStorm logs n users in at the same instant, each on its own connection, and checks every answer is 201.
func loginStorm(b *testing.B, url string, n int) {
	b.Helper()
	c := client()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"username":"storm%02d","password":"a long password"}`, i)
			<-start
			resp, err := c.Post(url+"/api/v1/auth/tokens", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("login storm%02d: %d", i, resp.StatusCode)
			}
		})
	}
	close(start)
	wg.Wait()
}

// procKiB reads one "Name: N kB" line of /proc/PID/status.
func procKiB(b *testing.B, pid int, name string) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib
		}
	}
	b.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}
