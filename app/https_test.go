package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
)

// lanApp is a test app with LAN HTTPS on (server.addr 0.0.0.0:8090, HTTPS on 8443) and the LAN addresses given.
func lanApp(t *testing.T, addrs ...string) *testApp {
	t.Helper()
	ta := newTestApp(t, func(c *config.Config) { c.Server.Addr, c.Server.LANHTTPS = "0.0.0.0:8090", true })
	ta.setLAN(t, addrs...)
	return ta
}

// setLAN makes the machine's LAN addresses addrs (the lanIPs seam) and lets the app look at them, as its
// watcher does every few minutes.
func (ta *testApp) setLAN(t *testing.T, addrs ...string) {
	t.Helper()
	ips := make([]net.IP, len(addrs))
	for i, s := range addrs {
		ips[i] = net.ParseIP(s).To4()
	}
	ta.lanIPs = func() []net.IP { return ips }
	if err := ta.refreshLANCert(); err != nil {
		t.Fatal(err)
	}
}

// listenTLS serves the app's HTTPS on a free port of 127.0.0.1 until the test ends and returns the address.
func (ta *testApp) listenTLS(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ta.ServeHTTPS(ln) }()
	t.Cleanup(func() { _ = ta.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// getOverTLS connects to addr as a phone would reach name (SNI, and the name the certificate must hold), trusting
// only roots (nil: the system's), and asks for the healthcheck over that connection.
func getOverTLS(addr, name string, roots *x509.CertPool) (*tls.ConnectionState, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{ServerName: name, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	st := conn.ConnectionState()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET /api/v1/healthcheck HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name)
	b, err := io.ReadAll(conn)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 200") {
		return nil, fmt.Errorf("answer: %.80s", b)
	}
	return &st, nil
}

// TestLANHTTPSChainVerifies: the served chain verifies against the local CA, with Go's x509, for every LAN
// address, the hostname and the loopback names; not for an address the machine does not have, and not without
// the CA. When the addresses change the certificate follows, without a restart.
func TestLANHTTPSChainVerifies(t *testing.T) {
	t.Parallel()
	ta := lanApp(t, "192.168.1.20", "10.20.30.40")
	addr := ta.listenTLS(t)
	resp, der := ta.do(t, httptestGet("/ca.crt"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-x509-ca-cert" {
		t.Fatalf("/ca.crt: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ca, err := x509.ParseCertificate([]byte(der))
	if err != nil {
		t.Fatalf("/ca.crt is not a DER certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	host, _ := os.Hostname()
	names := []string{"192.168.1.20", "10.20.30.40", "127.0.0.1", "localhost"}
	if dnsHost := strings.ToLower(host); dnsHost != "" && !strings.ContainsAny(dnsHost, "_ ") {
		names = append(names, dnsHost)
	}
	for _, name := range names {
		st, err := getOverTLS(addr, name, roots)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// The handshake verified it already; verify again explicitly, as the issue asks, with the chain served.
		inter := x509.NewCertPool()
		for _, c := range st.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		if _, err := st.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
			DNSName: name}); err != nil {
			t.Errorf("%s: chain does not verify: %v", name, err)
		}
	}
	var hostErr x509.HostnameError
	if _, err := getOverTLS(addr, "192.168.1.99", roots); !errors.As(err, &hostErr) {
		t.Errorf("an address the machine lacks: %v, want a host name error", err)
	}
	var unknown x509.UnknownAuthorityError
	if _, err := getOverTLS(addr, "192.168.1.20", nil); !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want an unknown authority error", err)
	}

	// The laptop joins another network: a watcher pass issues a new certificate, served at once.
	ta.setLAN(t, "192.168.1.20", "172.16.5.9")
	if _, err := getOverTLS(addr, "172.16.5.9", roots); err != nil {
		t.Errorf("the new address after the re-issue: %v", err)
	}
	if _, err := getOverTLS(addr, "10.20.30.40", roots); !errors.As(err, &hostErr) {
		t.Errorf("the address the machine left is still in the certificate: %v", err)
	}
	// What /ca.pem serves is the same CA, and its key is in the data directory for the owner only, never served.
	resp, pemBody := ta.do(t, httptestGet("/ca.pem"))
	if b, _ := pem.Decode([]byte(pemBody)); resp.StatusCode != 200 || b == nil || string(b.Bytes) != der {
		t.Errorf("/ca.pem: %d, same certificate as /ca.crt: %v", resp.StatusCode, b != nil && string(b.Bytes) == der)
	}
	fi, err := os.Stat(filepath.Join(ta.cfg.Data.Dir, "tls", "ca", "ca.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("CA key: %v %v", fi, err)
	}
	for _, p := range []string{"/ca.key", "/tls/ca/ca.key", "/static/../tls/ca/ca.key", "/ca/ca.key"} {
		resp, body := ta.do(t, httptestGet(p))
		if resp.StatusCode == 200 || strings.Contains(body, "PRIVATE KEY") {
			t.Errorf("%s: %d %.60s", p, resp.StatusCode, body)
		}
	}
}

// TestCAPage: the page gives the download address and the HTTPS address on the host the phone came to (or the
// LAN address when the coordinator's browser is on loopback), the fingerprint, the per-platform steps and a QR
// code; the footer links it. With LAN HTTPS off, there is no such page.
func TestCAPage(t *testing.T) {
	t.Parallel()
	ta := lanApp(t, "192.168.1.20")
	fp := ta.https.CA.Fingerprint()
	req := httptestGet("/ca")
	req.Host = "192.168.1.20:8090"
	resp, got := ta.do(t, req)
	got = strings.ReplaceAll(got, "</span><span>", "") // the fingerprint is shown in lines
	check(t, resp, got, 200, "http://192.168.1.20:8090/ca.crt", `href="https://192.168.1.20:8443/"`, fp,
		"Android", "Certificate Trust Settings", "enable full trust", "Windows", "Mac", `src="/ca/qr.png"`,
		"Fieldbase local CA", `href="/ca"`)
	req = httptestGet("/ca") // the coordinator's own browser
	req.Host = "localhost:8090"
	resp, got = ta.do(t, req)
	check(t, resp, got, 200, "http://192.168.1.20:8090/ca.crt", `href="https://192.168.1.20:8443/"`)
	req = httptestGet("/ca/qr.png")
	req.Host = "localhost:8090"
	resp, got = ta.do(t, req)
	check(t, resp, got, 200, "\x89PNG")

	off := newTestApp(t)
	off.run(t, []scenario{
		{name: "NotFound_PageWithoutLANHTTPS", method: "GET", url: "/ca", wantStatus: 404,
			wantContain: []string{"LAN HTTPS is off"}},
		{name: "NotFound_CertificateWithoutLANHTTPS", method: "GET", url: "/ca.crt", wantStatus: 404},
		{name: "NotFound_QRWithoutLANHTTPS", method: "GET", url: "/ca/qr.png", wantStatus: 404},
	})
	resp, got = off.do(t, httptestGet("/"))
	check(t, resp, got, 200)
	if strings.Contains(got, `href="/ca"`) || strings.Contains(got, "secure-offer") {
		t.Error("the home page offers HTTPS while it is off")
	}
}

// TestLANHTTPSLinks: browsers get the HTTPS address (home page over plain HTTP, devices page), while ODK Collect's
// QR code keeps the plain address.
func TestLANHTTPSLinks(t *testing.T) {
	t.Parallel()
	ta := lanApp(t, "192.168.1.20", "10.0.0.7")
	req := httptestGet("/")
	req.Host = "192.168.1.20:8090"
	resp, got := ta.do(t, req)
	check(t, resp, got, 200, `id="secure-offer"`, `href="https://192.168.1.20:8443/"`, `href="/ca"`)

	fp := ta.formsProject(t)
	b, csrf := ta.fieldManager(t, fp)
	page := fmt.Sprintf("/projects/%d/devices", fp.id)
	lan := "http://192.168.1.20:8090"
	resp, got = b.get(page)
	check(t, resp, got, 200, `id="secure-device-link"`, `href="https://192.168.1.20:8443/"`, `href="/ca"`)
	resp, got = b.get(page + "?base=" + url.QueryEscape("http://10.0.0.7:8090"))
	check(t, resp, got, 200, `href="https://10.0.0.7:8443/"`)
	resp, got = b.form(page, url.Values{"csrf_token": {csrf}, "name": {"Team A phone 3"}, "base": {lan}}, nil)
	check(t, resp, got, 201, `id="server-url">`+lan+"/odk/", `href="https://192.168.1.20:8443/"`)
}

// TestLANHTTPSServesTheApp: the HTTPS listener answers the same application (a page, the API), and plain HTTP
// stays on beside it.
func TestLANHTTPSServesTheApp(t *testing.T) {
	t.Parallel()
	ta := lanApp(t, "192.168.1.20")
	plain := ta.listen(t)
	addr := ta.listenTLS(t)
	roots := x509.NewCertPool()
	roots.AddCert(ta.https.CA.Cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, u := range []string{"https://" + addr + "/ca", plain + "/ca", plain + "/api/v1/healthcheck"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
		if strings.HasPrefix(u, "https") && !strings.Contains(string(body), `id="ca-trusted"`) {
			t.Errorf("%s does not say the browser trusts the server already", u)
		}
	}
}
