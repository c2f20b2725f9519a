package app

import (
	"net"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/openrosa"
)

// caPage is the page from which phones and computers trust the local certificate authority: its download link
// (and a QR code of it), the fingerprint to compare, the install steps and then the HTTPS address to open.
type caPage struct {
	Name        string
	Fingerprint string
	// FingerprintLines is Fingerprint cut after every eighth pair, for narrow screens.
	FingerprintLines []string
	// DownloadURL is the plain HTTP address of /ca.crt on the address phones use; SecureURL the HTTPS one to open
	// once the certificate is trusted.
	DownloadURL string
	SecureURL   string
	// Secure: this page came over HTTPS, so this browser already trusts the server.
	Secure bool
}

// caUnavailable answers the CA routes when LAN HTTPS is off.
func caUnavailable() error {
	return errorf(fiber.StatusNotFound, "this server has no local certificate authority (LAN HTTPS is off)")
}

// showCAPage shows how to trust the local certificate authority. It is public: the CA certificate is.
func (a *App) showCAPage(c *fiber.Ctx) error {
	if !a.lanHTTPS() {
		return caUnavailable()
	}
	host := a.phoneHost(c)
	page := caPage{Name: a.https.CA.Cert.Subject.CommonName, Fingerprint: a.https.CA.Fingerprint(),
		DownloadURL: a.plainURL(host) + "/ca.crt", SecureURL: a.secureURL(host) + "/", Secure: c.Protocol() == "https"}
	for f := page.Fingerprint; f != ""; {
		n := min(len(f), 8*3)
		page.FingerprintLines, f = append(page.FingerprintLines, f[:n]), f[n:]
	}
	return a.page(c, fiber.StatusOK, "ca", a.tr(c).T("ca.title"), page)
}

// downloadCA serves the CA certificate: DER as application/x-x509-ca-cert at /ca.crt (what phones install), PEM
// at /ca.pem.
func (a *App) downloadCA(c *fiber.Ctx) error {
	if !a.lanHTTPS() {
		return caUnavailable()
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if c.Path() == "/ca.pem" {
		c.Set(fiber.HeaderContentType, "application/x-pem-file")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="fieldbase-ca.pem"`)
		return c.Send(a.https.CA.PEM())
	}
	c.Set(fiber.HeaderContentType, "application/x-x509-ca-cert")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="fieldbase-ca.crt"`)
	return c.Send(a.https.CA.DER())
}

// caQR is a QR code of the CA certificate's download address, for a phone's camera.
func (a *App) caQR(c *fiber.Ctx) error {
	if !a.lanHTTPS() {
		return caUnavailable()
	}
	png, err := openrosa.CollectQRPNG(a.plainURL(a.phoneHost(c))+"/ca.crt", 512)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(png)
}

// phoneHost is the host phones reach this server at: the one this request came to, unless that is this machine's
// loopback (the coordinator's own browser), then the address the devices page gives phones.
func (a *App) phoneHost(c *fiber.Ctx) string {
	host := c.Hostname()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host != "" && !isLoopback(host) {
		return host
	}
	pa := a.phoneAddress(c.UserContext(), "")
	switch {
	case !pa.Unreachable:
		if u, err := url.Parse(pa.URL); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
	case len(pa.Choices) > 0:
		if u, err := url.Parse(pa.Choices[0]); err == nil {
			return u.Hostname()
		}
	}
	if host == "" {
		host = "localhost"
	}
	return host
}

// plainURL is the plain HTTP address of this server at host, on server.addr's port.
func (a *App) plainURL(host string) string {
	_, port, err := net.SplitHostPort(a.cfg.Server.Addr)
	if err != nil || port == "" {
		port = "8090"
	}
	if port == "80" {
		return "http://" + bracket(host)
	}
	return "http://" + net.JoinHostPort(host, port)
}
