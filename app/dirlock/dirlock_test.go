package dirlock

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestTryLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := TryLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(dir); !errors.Is(err, ErrHeld) {
		t.Fatalf("second lock: %v, want ErrHeld", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := TryLock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	_ = l2.Unlock()
}

// TestLockEndsWithProcess: a process killed with SIGKILL leaves no lock behind.
func TestLockEndsWithProcess(t *testing.T) {
	if os.Getenv("DIRLOCK_CHILD") != "" {
		if _, err := TryLock(os.Getenv("DIRLOCK_CHILD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		select {}
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockEndsWithProcess$")
	cmd.Env = append(os.Environ(), "DIRLOCK_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	if _, err := TryLock(dir); !errors.Is(err, ErrHeld) {
		t.Fatalf("lock held by a child: %v, want ErrHeld", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	l, err := TryLock(dir)
	if err != nil {
		t.Fatalf("lock after the holder was killed: %v", err)
	}
	_ = l.Unlock()
}
