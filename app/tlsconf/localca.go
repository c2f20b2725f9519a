package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CAValidity is how long the local certificate authority lasts: phones install it once for many seasons.
const CAValidity = 20 * 365 * 24 * time.Hour

// privateNets are the addresses the local CA may vouch for: private, loopback and link-local ranges. Its name
// constraints hold it to them (and to local names), so a phone that trusts it trusts nothing on the internet.
var privateNets = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"}

// localSuffixes are the DNS names (and their subdomains) the local CA may vouch for, beside the hostname.
var localSuffixes = []string{"localhost", "local", "lan", "home.arpa", "internal"}

// LocalCA is Fieldbase's own certificate authority for a network without internet: an ECDSA P-256 key and a
// self-signed certificate in <data dir>/tls/ca/ (ca.key readable by its owner only).
type LocalCA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// OpenCA loads the CA in dir, or creates it there when dir holds none, named "Fieldbase local CA <hostname>".
func OpenCA(dir, hostname string) (*LocalCA, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		return createCA(dir, hostname)
	} else if err != nil {
		return nil, fmt.Errorf("local certificate authority: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("local certificate authority: %w", err)
	}
	cert, key, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("local certificate authority in %s: %w", dir, err)
	}
	return &LocalCA{Cert: cert, key: key}, nil
}

func createCA(dir, hostname string) (*LocalCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Fieldbase local CA " + hostname, Organization: []string{"Fieldbase"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		PermittedDNSDomains:   append([]string{}, localSuffixes...),
	}
	if h := dnsName(hostname); h != "" && !permittedDNS(localSuffixes, h) {
		tmpl.PermittedDNSDomains = append(tmpl.PermittedDNSDomains, h)
	}
	for _, n := range privateNets {
		_, ipn, _ := net.ParseCIDR(n)
		tmpl.PermittedIPRanges = append(tmpl.PermittedIPRanges, ipn)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePair(dir, "ca", der, key); err != nil {
		return nil, fmt.Errorf("local certificate authority: %w", err)
	}
	return &LocalCA{Cert: cert, key: key}, nil
}

// DER is the CA certificate in DER form (what /ca.crt serves).
func (ca *LocalCA) DER() []byte { return ca.Cert.Raw }

// PEM is the CA certificate in PEM form.
func (ca *LocalCA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Fingerprint is the SHA-256 of the CA certificate, as upper-case hex pairs joined by colons (as phones and
// browsers show it).
func (ca *LocalCA) Fingerprint() string {
	sum := sha256.Sum256(ca.Cert.Raw)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}

// Permits reports whether the CA's name constraints allow a certificate for name (a DNS name or an IP address).
func (ca *LocalCA) Permits(name string) bool {
	if ip := net.ParseIP(name); ip != nil {
		if len(ca.Cert.PermittedIPRanges) == 0 {
			return true
		}
		for _, n := range ca.Cert.PermittedIPRanges {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return len(ca.Cert.PermittedDNSDomains) == 0 || permittedDNS(ca.Cert.PermittedDNSDomains, name)
}

func permittedDNS(domains []string, name string) bool {
	name = strings.ToLower(name)
	for _, d := range domains {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

// dnsName is host lower-cased when it is a usable DNS name, else "".
func dnsName(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || len(host) > 253 || net.ParseIP(host) != nil {
		return ""
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return ""
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return ""
			}
		}
	}
	return host
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}

// writePair writes <name>.crt (PEM, 0644) and <name>.key (PEM, 0600) in dir (created 0700), each through a
// temporary file renamed into place, so a crash leaves the old pair or the new one.
func writePair(dir, name string, certDER []byte, key *ecdsa.PrivateKey) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY",
		Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE",
		Bytes: certDER}), 0o644)
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode) // a tmp left by a crash may have another mode
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// parsePair parses a PEM certificate (the first one) and its PEM ECDSA key, and checks they belong together.
func parsePair(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("not a PEM certificate and key")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("the key does not belong to the certificate")
	}
	return cert, key, nil
}
