package tlsconf

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func ips(ss ...string) []net.IP {
	out := make([]net.IP, len(ss))
	for i, s := range ss {
		out[i] = net.ParseIP(s)
	}
	return out
}

// TestLocalCAKeptAndPrivate: the CA is made once, its key is readable by its owner only, and opening it again
// gives the same certificate.
func TestLocalCAKeptAndPrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "tls", "ca")
	ca, err := OpenCA(dir, "fieldlaptop")
	if err != nil {
		t.Fatal(err)
	}
	if got := ca.Cert.Subject.CommonName; got != "Fieldbase local CA fieldlaptop" {
		t.Errorf("CA name = %q", got)
	}
	if !ca.Cert.IsCA || ca.Cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("CA is not an ECDSA CA: %v %v", ca.Cert.IsCA, ca.Cert.PublicKeyAlgorithm)
	}
	for name, want := range map[string]os.FileMode{"ca.key": 0o600, "ca.crt": 0o644, ".": 0o700} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %o, want %o", name, fi.Mode().Perm(), want)
		}
	}
	again, err := OpenCA(dir, "otherhost")
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint() != ca.Fingerprint() {
		t.Errorf("opening again made a new CA: %s != %s", again.Fingerprint(), ca.Fingerprint())
	}
	if len(ca.Fingerprint()) != 32*3-1 {
		t.Errorf("fingerprint %q is not 32 hex pairs", ca.Fingerprint())
	}
}

// TestLANCertIssuedAgainWhenNamesChange: the same addresses keep the certificate (also across a restart, from
// disk), new ones or a near expiry replace it, and addresses the CA may not vouch for are left out.
func TestLANCertIssuedAgainWhenNamesChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := OpenCA(filepath.Join(dir, "ca"), "fieldlaptop")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l := NewLANCert(ca, filepath.Join(dir, "lan"), "fieldlaptop")
	ensure := func(l *LANCert, at time.Time, want bool, addrs ...string) *x509.Certificate {
		t.Helper()
		changed, err := l.Ensure(ips(addrs...), at)
		if err != nil {
			t.Fatal(err)
		}
		if changed != want {
			t.Fatalf("Ensure(%v) changed = %v, want %v", addrs, changed, want)
		}
		return l.Current().Leaf
	}
	first := ensure(l, now, true, "192.168.1.20", "203.0.113.7")
	for _, want := range []string{"192.168.1.20", "127.0.0.1", "::1"} {
		if first.VerifyHostname(want) != nil {
			t.Errorf("certificate does not name %s: %v", want, first.IPAddresses)
		}
	}
	for _, want := range []string{"localhost", "fieldlaptop", "fieldlaptop.local"} {
		if first.VerifyHostname(want) != nil {
			t.Errorf("certificate does not name %s: %v", want, first.DNSNames)
		}
	}
	if first.VerifyHostname("203.0.113.7") == nil {
		t.Error("a public address got into the certificate; the CA's constraints forbid it")
	}
	if d := first.NotAfter.Sub(first.NotBefore); d > 398*24*time.Hour {
		t.Errorf("certificate lasts %s, over the 398 days browsers accept", d)
	}
	if fi, err := os.Stat(filepath.Join(dir, "lan", "server.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("server.key: %v %v", fi, err)
	}
	if same := ensure(l, now, false, "192.168.1.20"); same.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Error("the same addresses changed the certificate")
	}
	second := ensure(l, now, true, "192.168.1.20", "10.1.2.3")
	if second.VerifyHostname("10.1.2.3") != nil || second.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Errorf("new address not in the new certificate: %v", second.IPAddresses)
	}
	// A restart reads the certificate from disk rather than issuing another.
	restarted := NewLANCert(ca, filepath.Join(dir, "lan"), "fieldlaptop")
	if got := ensure(restarted, now, false, "10.1.2.3", "192.168.1.20"); got.SerialNumber.Cmp(second.SerialNumber) != 0 {
		t.Error("a restart issued a new certificate for the same addresses")
	}
	renewed := ensure(restarted, second.NotAfter.Add(-renewBefore+time.Hour), true, "10.1.2.3", "192.168.1.20")
	if !renewed.NotAfter.After(second.NotAfter) {
		t.Error("a certificate near expiry was not renewed")
	}
	// A certificate from another CA in the directory (the CA was replaced) is not served.
	other, err := OpenCA(filepath.Join(dir, "ca2"), "fieldlaptop")
	if err != nil {
		t.Fatal(err)
	}
	ensure(NewLANCert(other, filepath.Join(dir, "lan"), "fieldlaptop"), now, true, "10.1.2.3", "192.168.1.20")
}

// TestCAConstraintsHoldInVerification: a certificate the CA signs for a public name does not verify, so a phone
// that trusts the local CA trusts nothing on the internet through it.
func TestCAConstraintsHoldInVerification(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := OpenCA(filepath.Join(dir, "ca"), "fieldlaptop")
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := NewLANCert(ca, dir, "fieldlaptop").issue(Names{DNS: []string{"bank.example.com"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	_, err = rogue.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "bank.example.com"})
	if _, ok := err.(x509.CertificateInvalidError); !ok {
		t.Fatalf("verify of a public name = %v, want a name constraint violation", err)
	}
}
