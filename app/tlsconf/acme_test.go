package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"

	"fieldbase/app/config"
)

// dnsAt127 is a DNS server on 127.0.0.1 (TCP, as Pebble's validator asks) that answers every A question with
// 127.0.0.1, so that the validator reaches this test's HTTP listener for any domain. It returns the address.
func dnsAt127(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA,
					Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(127, 0, 0, 1)})
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

// closedPort is a port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// TestACMEWithPebble obtains a real certificate from Pebble, Let's Encrypt's ACME test server, run in this
// process on 127.0.0.1: the http-01 challenge is answered by the plain HTTP handler (Pebble's validator fetches
// it over HTTP from this test's listener; tls-alpn-01 is made to fail, so http-01 is what passes), the
// certificate is served on HTTPS for the domain, and its chain verifies against Pebble's root. Plain HTTP
// redirects everything else to HTTPS, and the certificate is cached in the data directory.
func TestACMEWithPebble(t *testing.T) {
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	const domain = "fb.example.org"
	dataDir := t.TempDir()

	// Fieldbase's two listeners first: Pebble's validator needs the HTTP port.
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpPort := plainLn.Addr().(*net.TCPAddr).Port
	_, tlsPort, _ := net.SplitHostPort(tlsLn.Addr().String())

	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {}})
	validator := va.New(logger, httpPort, closedPort(t), false, dnsAt127(t), store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	acmeSrv := httptest.NewTLSServer(front.Handler())
	t.Cleanup(acmeSrv.Close)

	s := config.Defaults().Server
	s.Addr, s.HTTPSAddr = plainLn.Addr().String(), "127.0.0.1:"+tlsPort
	s.TLSDomains, s.ACMEEmail, s.ACMEDirectoryURL = []string{domain}, "ops@example.org", acmeSrv.URL+wfe.DirectoryPath
	cfg := config.Defaults()
	cfg.Data.Dir, cfg.Server = dataDir, s
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h, err := New(s, dataDir, Options{ACMEHTTPClient: acmeSrv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if h.ACME == nil || h.Plain == nil || h.CA != nil {
		t.Fatalf("domains did not select ACME: %+v", h)
	}
	var challenges atomic.Int32 // http-01 fetches by Pebble's validator
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			challenges.Add(1)
		}
		h.Plain.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	secure := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = plain.Serve(plainLn) }()
	go func() { _ = secure.Serve(tls.NewListener(tlsLn, h.TLS)) }()
	t.Cleanup(func() { _ = plain.Close(); _ = secure.Close() })

	roots := x509.NewCertPool()
	roots.AddCert(authority.GetRootCert(0).Cert)
	// A browser on the domain: the handshake waits while the certificate is obtained.
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 90 * time.Second}, "tcp", tlsLn.Addr().String(),
		&tls.Config{ServerName: domain, RootCAs: roots})
	if err != nil {
		t.Fatalf("HTTPS handshake for %s: %v", domain, err)
	}
	st := conn.ConnectionState()
	_ = conn.Close()
	leaf := st.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: domain}); err != nil {
		t.Fatalf("the served chain does not verify against Pebble's root: %v", err)
	}
	if challenges.Load() == 0 {
		t.Error("Pebble's validator never fetched an http-01 challenge from the plain HTTP listener")
	}
	if leaf.Issuer.CommonName == leaf.Subject.CommonName || !strings.Contains(leaf.Issuer.CommonName, "Pebble") {
		t.Errorf("served certificate issued by %q", leaf.Issuer.CommonName)
	}

	// The certificate (and the account key) are cached in the data directory, for the owner only.
	cached, err := filepath.Glob(filepath.Join(dataDir, "tls", "acme", "*"))
	if err != nil || len(cached) < 2 {
		t.Errorf("ACME cache: %v %v", cached, err)
	}
	for _, p := range cached {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v %v", p, fi.Mode(), err)
		}
	}

	// A name the server is not for gets no certificate.
	if _, err := tls.Dial("tcp", tlsLn.Addr().String(), &tls.Config{ServerName: "other.example.org",
		RootCAs: roots}); err == nil {
		t.Error("a certificate was served for a domain not configured")
	}

	// Plain HTTP redirects to HTTPS on the domain, keeping the path and query; a POST keeps its method.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for method, want := range map[string]int{"GET": 301, "POST": 308} {
		req, _ := http.NewRequest(method, "http://"+plainLn.Addr().String()+"/projects/3?tab=map", nil)
		req.Host = domain + ":" + strconv.Itoa(httpPort)
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != want ||
			loc != "https://"+domain+":"+tlsPort+"/projects/3?tab=map" {
			t.Errorf("%s over HTTP: %d %q", method, resp.StatusCode, loc)
		}
	}
}
