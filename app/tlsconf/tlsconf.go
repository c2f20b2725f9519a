// Package tlsconf gives Fieldbase its HTTPS: certificates from an ACME server (Let's Encrypt) for public domains,
// a certificate the operator has, or, on a network without internet, certificates from Fieldbase's own local
// certificate authority. It builds the tls.Config of the HTTPS listener and the handler of the plain HTTP one;
// it must not import fieldbase/app, fieldbase/db or any Fiber package.
package tlsconf

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"fieldbase/app/config"
)

// HTTPS is how the server serves HTTPS: the listen address, the TLS configuration and, for public certificates,
// the handler of plain HTTP. Exactly one of ACME, Files and LAN is set.
type HTTPS struct {
	// Addr is where HTTPS listens (server.https_addr or its default).
	Addr string
	// TLS configures the HTTPS listener.
	TLS *tls.Config
	// Plain answers plain HTTP when the certificate is public: the ACME http-01 challenge, and a redirect to
	// HTTPS for every other request. Nil with LAN HTTPS, where the application keeps answering plain HTTP (for
	// ODK Collect).
	Plain http.Handler

	ACME  *autocert.Manager
	Files *FileCert
	// CA and LAN are the local certificate authority and the certificate it issues for this machine.
	CA  *LocalCA
	LAN *LANCert
}

// Options are what New needs beside the configuration.
type Options struct {
	// Hostname is this machine's name (os.Hostname()), for the local CA's name and the LAN certificate.
	Hostname string
	// ACMEHTTPClient talks to the ACME server; nil is http.DefaultClient. Tests give one that trusts a test
	// server's certificate.
	ACMEHTTPClient *http.Client
	Log            *slog.Logger
}

// New sets HTTPS up as the server configuration says, keeping its files under dataDir/tls; it returns nil when
// HTTPS is off. The LAN certificate is not issued here: call LAN.Ensure with the machine's addresses.
func New(s config.Server, dataDir string, opts Options) (*HTTPS, error) {
	addr := s.HTTPSListen()
	if addr == "" {
		return nil, nil
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	h := &HTTPS{Addr: addr}
	base := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	switch {
	case len(s.TLSDomains) > 0:
		h.ACME = &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(filepath.Join(dataDir, "tls", "acme")),
			HostPolicy: autocert.HostWhitelist(s.TLSDomains...),
			Email:      s.ACMEEmail,
			Client:     &acme.Client{DirectoryURL: s.ACMEDirectoryURL, HTTPClient: opts.ACMEHTTPClient},
		}
		base.GetCertificate = h.ACME.GetCertificate
		base.NextProtos = append(base.NextProtos, acme.ALPNProto) // the tls-alpn-01 challenge
		h.Plain = withoutPort(h.ACME.HTTPHandler(h.redirect(s.TLSDomains)))
	case s.TLSCertFile != "":
		fc, err := NewFileCert(s.TLSCertFile, s.TLSKeyFile, opts.Log)
		if err != nil {
			return nil, &config.InvalidError{Messages: []string{fmt.Sprintf("server.tls_cert_file (%s): %v",
				config.EnvName("server.tls_cert_file"), err)}}
		}
		h.Files, base.GetCertificate = fc, fc.GetCertificate
		h.Plain = h.redirect(nil)
	default:
		ca, err := OpenCA(filepath.Join(dataDir, "tls", "ca"), opts.Hostname)
		if err != nil {
			return nil, err
		}
		h.CA, h.LAN = ca, NewLANCert(ca, filepath.Join(dataDir, "tls", "lan"), opts.Hostname)
		base.GetCertificate = h.LAN.GetCertificate
	}
	h.TLS = base
	return h, nil
}

// Listening records the address the HTTPS listener got (its port, when the configured one was 0), for the
// redirects. Call it before serving.
func (h *HTTPS) Listening(addr string) { h.Addr = addr }

// redirect is Redirect to the HTTPS port as it is when a request comes.
func (h *HTTPS) redirect(domains []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(h.Addr)
		Redirect(port, domains).ServeHTTP(w, r)
	})
}

// withoutPort drops the port from the Host header before next sees it: autocert's challenge handler checks the
// host against the domains, and a client may well write "fb.example.org:80".
func withoutPort(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			r = r.Clone(r.Context())
			r.Host = h
		}
		next.ServeHTTP(w, r)
	})
}

// Redirect answers every request with a redirect to the same host (or, when domains are given and the host is
// not one of them, to the first) on HTTPS port port: 301 for GET and HEAD, 308 otherwise (which keeps the
// method and body).
func Redirect(port string, domains []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if len(domains) > 0 && !slices.Contains(domains, strings.ToLower(host)) {
			host = domains[0]
		}
		if port != "" && port != "443" {
			host = net.JoinHostPort(host, port)
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), code)
	})
}
