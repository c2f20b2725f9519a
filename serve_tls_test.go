package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fieldbase/app/tlsconf"
)

var httpsOn = regexp.MustCompile(`HTTPS on https://(\S+)`)

// startServeTLS runs `fieldbase serve` with env on free ports (HTTP and HTTPS) and returns the plain base URL, the
// HTTPS address and the stop function and result channel.
func startServeTLS(t *testing.T, dir string, env map[string]string) (string, string, context.CancelFunc,
	chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out := newLineWriter()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"fieldbase", "serve", "--dir", dir, "--http", "127.0.0.1:0"},
			func(k string) string {
				if v, ok := env[k]; ok {
					return v
				}
				return map[string]string{"FIELDBASE_SERVER_HTTPS_ADDR": "127.0.0.1:0",
					"FIELDBASE_LOG_LEVEL": "warn"}[k]
			}, nil, out)
	}()
	var base string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-out.lines:
			if m := listening.FindStringSubmatch(line); m != nil {
				base = m[1]
			}
			if m := httpsOn.FindStringSubmatch(line); m != nil && base != "" {
				return base, m[1], cancel, done
			}
		case err := <-done:
			t.Fatalf("serve ended before listening: %v", err)
		case <-timeout:
			t.Fatal("serve did not start with HTTPS")
		}
	}
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestServeOwnCertificate: with tls_cert_file and tls_key_file, serve answers HTTPS with that certificate, and
// plain HTTP redirects there (301 for GET, 308 for a POST, path and query kept).
func TestServeOwnCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := tlsconf.OpenCA(filepath.Join(dir, "owner-ca"), "ops")
	if err != nil {
		t.Fatal(err)
	}
	lan := tlsconf.NewLANCert(ca, filepath.Join(dir, "owner"), "ops")
	if _, err := lan.Ensure(nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	base, addr, stop, done := startServeTLS(t, filepath.Join(dir, "data"), map[string]string{
		"FIELDBASE_SERVER_TLS_CERT_FILE": filepath.Join(dir, "owner", "server.crt"),
		"FIELDBASE_SERVER_TLS_KEY_FILE":  filepath.Join(dir, "owner", "server.key")})
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Get("https://" + addr + "/api/v1/healthcheck")
	if err != nil {
		t.Fatalf("HTTPS with the operator's certificate: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"database":"ok"`) ||
		!resp.TLS.PeerCertificates[0].Equal(lan.Current().Leaf) {
		t.Fatalf("HTTPS: %d %s", resp.StatusCode, body)
	}
	// The container healthcheck asks HTTPS, as plain HTTP only redirects.
	code, out, err := runCommand(context.Background(), []string{"healthcheck"}, map[string]string{
		"FIELDBASE_SERVER_ADDR": strings.TrimPrefix(base, "http://"), "FIELDBASE_SERVER_HTTPS_ADDR": addr,
		"FIELDBASE_SERVER_TLS_CERT_FILE": filepath.Join(dir, "owner", "server.crt"),
		"FIELDBASE_SERVER_TLS_KEY_FILE":  filepath.Join(dir, "owner", "server.key")})
	if code != 0 || !strings.Contains(out, "ok https://") {
		t.Errorf("healthcheck with a public certificate: exit %d %q %v", code, out, err)
	}
	_, port, _ := net.SplitHostPort(addr)
	for method, want := range map[string]int{"GET": 301, "POST": 308} {
		req, _ := http.NewRequest(method, base+"/projects?page=2", nil)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != want || loc != "https://127.0.0.1:"+port+"/projects?page=2" {
			t.Errorf("%s over plain HTTP: %d %q", method, resp.StatusCode, loc)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestServeLANHTTPS: with lan_https, serve answers the application on plain HTTP (for ODK Collect) and on HTTPS
// with a certificate from its local CA, whose certificate it hands out on /ca.crt; the CA's key stays private.
func TestServeLANHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, addr, stop, done := startServeTLS(t, dir, map[string]string{"FIELDBASE_SERVER_LAN_HTTPS": "true"})
	resp, err := http.Get(base + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	der, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ca, err := x509.ParseCertificate(der)
	if err != nil || !strings.HasPrefix(ca.Subject.CommonName, "Fieldbase local CA ") {
		t.Fatalf("/ca.crt over plain HTTP: %d %v", resp.StatusCode, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, u := range []string{"https://" + addr + "/api/v1/healthcheck", base + "/api/v1/healthcheck"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls", "ca", "ca.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ca.key: %v %v", fi, err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestServeHTTPSConfigMistakes: a pair that does not load stops the start with exit code 2 and the key named.
func TestServeHTTPSConfigMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string]map[string]string{
		"BrokenPair": {"FIELDBASE_SERVER_TLS_CERT_FILE": bad, "FIELDBASE_SERVER_TLS_KEY_FILE": bad},
		"KeyMissing": {"FIELDBASE_SERVER_TLS_CERT_FILE": bad},
	} {
		code, out, err := runCommand(context.Background(), []string{"serve", "--dir",
			filepath.Join(dir, name), "--http", "127.0.0.1:0"}, env)
		if code != 2 || err == nil || !strings.Contains(err.Error(), "server.tls_") {
			t.Errorf("%s: exit %d, %v %s", name, code, err, out)
		}
	}
}
