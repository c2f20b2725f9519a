package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a throwaway PostgreSQL cluster in a temporary directory, served by a postgres process that this test
// process started and that dies with it.
type cluster struct {
	url    string
	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once postgres has exited
}

// binaries returns the directory holding initdb and postgres: the newest of Debian's /usr/lib/postgresql/*/bin,
// else the one on PATH. missing says what is not there when neither is.
func binaries() (dir, missing string) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, ""
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && isFile(filepath.Join(filepath.Dir(p), "postgres")) {
		return filepath.Dir(p), ""
	}
	return "", "no PostgreSQL server for the tests: " + EnvURL + " is not set, and initdb and postgres are " +
		"neither in /usr/lib/postgresql/*/bin nor on PATH (apt-get install postgresql)"
}

// major reads the version number out of /usr/lib/postgresql/VERSION/bin.
func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// start creates a cluster in a new temporary directory (user fieldbase, trust authentication, no fsync) and serves
// it on 127.0.0.1 at a free port, without a Unix socket. PostgreSQL refuses to run as root, so as root the
// directory is handed to user nobody and both programs run as nobody.
func start(bin string) (*cluster, error) {
	sweep()
	dir, err := os.MkdirTemp("", "fieldbase-pgtest-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*cluster, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return fail(fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w", err))
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", User, "--auth=trust", "-E", "UTF8",
		"--no-locale", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb in %s: %w\n%s", dir, err, out))
	}
	// Another process may take the free port between the probe and postgres binding it: try a few.
	for attempt := 0; ; attempt++ {
		c, err := launch(bin, dir, cred)
		if err == nil {
			return c, nil
		}
		if attempt == 4 || !strings.Contains(err.Error(), "could not bind") &&
			!strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			return fail(err)
		}
	}
}

// sweep removes the directories of clusters whose test process was killed (their postgres died with it, but
// nobody removed the directory): older than an hour and without a running server's postmaster.pid. Errors are
// ignored (another user's directory, say).
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "fieldbase-pgtest-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Hour {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// launch starts postgres on the cluster in dir at a free port and waits until it accepts connections.
func launch(bin, dir string, cred *syscall.Credential) (*cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }() // the child keeps its own copy
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGQUIT (immediate shutdown) reaches postgres when this process dies without stopping it; its own process
	// group keeps a terminal's Ctrl-C from reaching it twice.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	c := &cluster{dir: dir, cmd: cmd, exited: make(chan struct{}),
		url: fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", User, port)}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the child ends, and Go may end idle threads:
		// this goroutine holds its thread until postgres exits.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-c.exited:
			return nil, fmt.Errorf("postgres exited at start-up:\n%s", tail(logPath))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.url)
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return c, nil
		}
		if time.Now().After(deadline) {
			_ = c.stop()
			return nil, fmt.Errorf("postgres did not accept connections within a minute: %w\n%s", err, tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts postgres down (fast: open sessions are ended) and removes the cluster's directory.
func (c *cluster) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	return os.RemoveAll(c.dir)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the end of the file at path, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
