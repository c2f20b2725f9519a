package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// LeafValidity is how long a LAN server certificate lasts: under the 398 days browsers and Apple accept.
const LeafValidity = 397 * 24 * time.Hour

// renewBefore is how long before it expires a LAN server certificate is replaced.
const renewBefore = 30 * 24 * time.Hour

// LANCert is the server certificate the local CA issues for this machine's LAN addresses, hostname and
// loopback names, kept in <data dir>/tls/lan/ and issued again when the names change or expiry nears.
type LANCert struct {
	ca   *LocalCA
	dir  string
	host string
	mu   sync.Mutex // one Ensure at a time
	cur  atomic.Pointer[tls.Certificate]
}

// NewLANCert returns the issuer of this machine's LAN certificate, stored in dir; hostname is the machine's name.
func NewLANCert(ca *LocalCA, dir, hostname string) *LANCert {
	return &LANCert{ca: ca, dir: dir, host: hostname}
}

// Names are the names a LAN certificate is for: DNS names and IP addresses.
type Names struct {
	DNS []string
	IPs []net.IP
}

// names are what a certificate for the LAN addresses ips should hold: the hostname (and hostname.local, its
// mDNS name), localhost, the addresses and loopback, each only if the CA may vouch for it, sorted.
func (l *LANCert) names(ips []net.IP) Names {
	var n Names
	dns := []string{"localhost"}
	if h := dnsName(l.host); h != "" {
		dns = append(dns, h)
		if !slices.Contains([]string{"local", "localhost"}, h) && !hasDot(h) {
			dns = append(dns, h+".local")
		}
	}
	for _, d := range dns {
		if l.ca.Permits(d) && !slices.Contains(n.DNS, d) {
			n.DNS = append(n.DNS, d)
		}
	}
	seen := map[string]bool{}
	for _, ip := range append(slices.Clone(ips), net.IPv4(127, 0, 0, 1), net.IPv6loopback) {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		if !seen[ip.String()] && l.ca.Permits(ip.String()) {
			seen[ip.String()] = true
			n.IPs = append(n.IPs, ip)
		}
	}
	sort.Strings(n.DNS)
	sort.Slice(n.IPs, func(i, j int) bool { return n.IPs[i].String() < n.IPs[j].String() })
	return n
}

func hasDot(s string) bool { return slices.Contains([]byte(s), '.') }

// Ensure makes the served certificate cover the LAN addresses ips: it keeps the current one (in memory, else the
// one on disk) when it was issued by this CA for the same names and is not near expiry, and issues a new one
// otherwise. changed reports a new certificate.
func (l *LANCert) Ensure(ips []net.IP, now time.Time) (changed bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := l.names(ips)
	if c := l.cur.Load(); c != nil && l.fits(c.Leaf, want, now) {
		return false, nil
	}
	if c, err := l.load(); err == nil && l.fits(c.Leaf, want, now) {
		l.cur.Store(c)
		return false, nil
	}
	c, err := l.issue(want, now)
	if err != nil {
		return false, fmt.Errorf("LAN certificate: %w", err)
	}
	l.cur.Store(c)
	return true, nil
}

// fits reports whether leaf was issued by the CA for exactly the names want and lasts beyond renewBefore.
func (l *LANCert) fits(leaf *x509.Certificate, want Names, now time.Time) bool {
	if leaf == nil || leaf.CheckSignatureFrom(l.ca.Cert) != nil || now.Add(renewBefore).After(leaf.NotAfter) ||
		now.Before(leaf.NotBefore) {
		return false
	}
	got := Names{DNS: slices.Clone(leaf.DNSNames), IPs: slices.Clone(leaf.IPAddresses)}
	sort.Strings(got.DNS)
	sort.Slice(got.IPs, func(i, j int) bool { return got.IPs[i].String() < got.IPs[j].String() })
	return slices.Equal(got.DNS, want.DNS) &&
		slices.EqualFunc(got.IPs, want.IPs, func(a, b net.IP) bool { return a.Equal(b) })
}

func (l *LANCert) load() (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(filepath.Join(l.dir, "server.crt"))
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(l.dir, "server.key"))
	if err != nil {
		return nil, err
	}
	leaf, key, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{leaf.Raw, l.ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

func (l *LANCert) issue(n Names, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cn := "localhost"
	if len(n.DNS) > 0 {
		cn = n.DNS[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Fieldbase"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(-time.Hour).Add(LeafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     n.DNS,
		IPAddresses:  n.IPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, l.ca.Cert, &key.PublicKey, l.ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePair(l.dir, "server", der, key); err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, l.ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// Current is the certificate served now (nil before the first Ensure).
func (l *LANCert) Current() *tls.Certificate { return l.cur.Load() }

// GetCertificate serves the current certificate whatever name the client asks for (a phone may use an address
// the certificate does not name yet; its browser then says so).
func (l *LANCert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := l.cur.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("no LAN certificate yet")
}
