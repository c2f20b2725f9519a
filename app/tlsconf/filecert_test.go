package tlsconf

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pairFiles issues a certificate for name into dir/server.crt and dir/server.key and returns its DER.
func pairFiles(t *testing.T, ca *LocalCA, dir string, ip string) []byte {
	t.Helper()
	c, err := NewLANCert(ca, dir, "fieldlaptop").issue(Names{IPs: []net.IP{net.ParseIP(ip)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c.Certificate[0]
}

// TestFileCertReloads: the operator's pair is served, a renewed pair replaces it, a broken one is refused while
// the previous pair stays served, and a key that does not match is refused at start.
func TestFileCertReloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := OpenCA(filepath.Join(dir, "ca"), "fieldlaptop")
	if err != nil {
		t.Fatal(err)
	}
	first := pairFiles(t, ca, dir, "10.0.0.1")
	crt, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	var logs bytes.Buffer
	fc, err := NewFileCert(crt, key, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fc.every = 0
	served := func() []byte {
		c, err := fc.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.Certificate[0]
	}
	if !bytes.Equal(served(), first) {
		t.Fatal("the files' certificate is not served")
	}
	renewed := pairFiles(t, ca, dir, "10.0.0.2")
	if !bytes.Equal(served(), renewed) {
		t.Fatal("the renewed certificate is not served")
	}
	if err := os.WriteFile(crt, []byte("not pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served(), renewed) || !strings.Contains(logs.String(), "do not load") {
		t.Fatalf("a broken renewal replaced the certificate or went unlogged: %s", logs.String())
	}
	// A key from another pair: refused at start with the reason.
	other := t.TempDir()
	pairFiles(t, ca, other, "10.0.0.3")
	if _, err := NewFileCert(filepath.Join(other, "server.crt"), key, slog.New(slog.NewTextHandler(io.Discard,
		nil))); err == nil || !strings.Contains(err.Error(), "private key does not match") {
		t.Fatalf("mismatched key: %v", err)
	}
}
