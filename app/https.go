package app

import (
	"crypto/tls"
	"net"
	"net/url"
	"os"
	"time"

	"fieldbase/app/tlsconf"
)

// lanCertCheck is how often the LAN certificate is compared with the machine's addresses (a laptop moves between
// networks, a hotspot starts).
const lanCertCheck = 3 * time.Minute

// HTTPS is how the server serves HTTPS (nil when it does not): run.go listens with it.
func (a *App) HTTPS() *tlsconf.HTTPS { return a.https }

// newHTTPS sets HTTPS up from the configuration; with LAN HTTPS it also makes sure the LAN certificate covers the
// machine's addresses before anything listens.
func (a *App) newHTTPS() error {
	host, _ := os.Hostname()
	h, err := tlsconf.New(a.cfg.Server, a.cfg.Data.Dir, tlsconf.Options{Hostname: host, Log: a.log})
	if err != nil || h == nil {
		return err
	}
	a.https = h
	if h.LAN != nil {
		return a.refreshLANCert()
	}
	return nil
}

// refreshLANCert issues the LAN certificate again when the machine's addresses changed (or it nears expiry).
func (a *App) refreshLANCert() error {
	addrs := a.lanIPs()
	changed, err := a.https.LAN.Ensure(addrs, time.Now())
	if err != nil {
		a.log.Error("LAN certificate not issued", "err", err)
		return err
	}
	if changed {
		a.log.Info("LAN certificate issued", "addresses", addrs, "fingerprint_ca", a.https.CA.Fingerprint())
	}
	return nil
}

// ServeHTTPS answers HTTPS on ln (a plain TCP listener) until Shutdown. With LAN HTTPS it keeps the certificate
// in step with the machine's addresses meanwhile.
func (a *App) ServeHTTPS(ln net.Listener) error {
	if a.https.LAN != nil {
		a.watchLAN.Do(func() { go a.watchLANAddresses() })
	}
	return a.fiber.Listener(tls.NewListener(ln, a.https.TLS))
}

func (a *App) watchLANAddresses() {
	t := time.NewTicker(lanCertCheck)
	defer t.Stop()
	for {
		select {
		case <-a.life.Done():
			return
		case <-t.C:
			_ = a.refreshLANCert() // logged; the current certificate stays served
		}
	}
}

// lanHTTPS reports whether the server serves HTTPS with its local certificate authority.
func (a *App) lanHTTPS() bool { return a.https != nil && a.https.CA != nil }

// secureURL is the HTTPS address of the server at the host of the plain address u (a URL or a bare host), on the
// HTTPS port; "" without LAN HTTPS.
func (a *App) secureURL(u string) string {
	if !a.lanHTTPS() {
		return ""
	}
	host := u
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		host = p.Hostname()
	}
	_, port, _ := net.SplitHostPort(a.https.Addr)
	if port == "443" {
		return (&url.URL{Scheme: "https", Host: bracket(host)}).String()
	}
	return "https://" + net.JoinHostPort(host, port)
}

func bracket(host string) string {
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return "[" + host + "]"
	}
	return host
}
