package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"fieldbase/app"
	"fieldbase/app/config"
)

// listeners are what serve accepts connections on: plain HTTP on server.addr and, when HTTPS is configured, TLS
// on its address. With a public certificate plain HTTP only redirects to HTTPS (and answers the ACME http-01
// challenge), through redirect; with LAN HTTPS, or without HTTPS, the application answers plain HTTP too.
type listeners struct {
	plain, tls net.Listener
	redirect   *http.Server
}

// listen opens the listeners, or none when one fails.
func listen(cfg config.Config, a *app.App) (*listeners, error) {
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	l := &listeners{plain: ln}
	if hs := a.HTTPS(); hs != nil {
		if l.tls, err = net.Listen("tcp", hs.Addr); err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("listen on %s (server.https_addr): %w", hs.Addr, err)
		}
		hs.Listening(l.tls.Addr().String())
		if hs.Plain != nil {
			l.redirect = &http.Server{Handler: hs.Plain, ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout: cfg.Server.ReadTimeout, WriteTimeout: cfg.Server.WriteTimeout,
				IdleTimeout: cfg.Server.IdleTimeout}
		}
	}
	return l, nil
}

func (l *listeners) close() {
	_ = l.plain.Close()
	if l.tls != nil {
		_ = l.tls.Close()
	}
}

// serve answers on every listener; each one's end is sent on served (which holds two).
func (l *listeners) serve(a *app.App, served chan<- error) {
	if l.redirect != nil {
		go func() { served <- l.redirect.Serve(l.plain) }()
	} else {
		go func() { served <- a.Serve(l.plain) }()
	}
	if l.tls != nil {
		go func() { served <- a.ServeHTTPS(l.tls) }()
	}
}

// announce prints where the server listens.
func (l *listeners) announce(a *app.App, cfg config.Config, stdout io.Writer) {
	fmt.Fprintf(stdout, "Fieldbase %s listening on http://%s (data in %s)\n", version, l.plain.Addr(), cfg.Data.Dir)
	if l.tls == nil {
		return
	}
	hs := a.HTTPS()
	switch {
	case hs.CA != nil:
		fmt.Fprintf(stdout, "HTTPS on https://%s with the local certificate authority %q (SHA-256 %s); "+
			"http://%s/ca shows phones how to trust it\n", l.tls.Addr(), hs.CA.Cert.Subject.CommonName,
			hs.CA.Fingerprint(), l.plain.Addr())
	case hs.ACME != nil:
		fmt.Fprintf(stdout, "HTTPS on https://%s for %v (certificates from %s); plain HTTP redirects to it\n",
			l.tls.Addr(), cfg.Server.TLSDomains, cfg.Server.ACMEDirectoryURL)
	default:
		fmt.Fprintf(stdout, "HTTPS on https://%s with %s; plain HTTP redirects to it\n", l.tls.Addr(),
			cfg.Server.TLSCertFile)
	}
}

// shutdown stops the redirecting plain HTTP server, if any (the application's listeners stop with it).
func (l *listeners) shutdown(ctx context.Context) error {
	if l.redirect == nil {
		return nil
	}
	return l.redirect.Shutdown(ctx)
}
