package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSRules loads HTTPS settings from the environment, as an operator would set them, and checks each mistake
// is named with its key and rule, and that good combinations load with the right HTTPS address.
func TestTLSRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, p := range []string{cert, key} {
		if err := os.WriteFile(p, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantErr   []string // fragments of the error, in order
		wantHTTPS string   // when there is no error
	}{
		{"Off", nil, nil, ""},
		{"Domains", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "fb.example.org, www.fb.example.org"}, nil,
			":443"},
		{"Files", map[string]string{"FIELDBASE_SERVER_TLS_CERT_FILE": cert, "FIELDBASE_SERVER_TLS_KEY_FILE": key},
			nil, ":443"},
		{"LAN", map[string]string{"FIELDBASE_SERVER_LAN_HTTPS": "true", "FIELDBASE_SERVER_ADDR": "0.0.0.0:8090"},
			nil, "0.0.0.0:8443"},
		{"LANOwnAddr", map[string]string{"FIELDBASE_SERVER_LAN_HTTPS": "true",
			"FIELDBASE_SERVER_HTTPS_ADDR": ":9443"}, nil, ":9443"},
		{"ErrCertWithoutKey", map[string]string{"FIELDBASE_SERVER_TLS_CERT_FILE": cert},
			[]string{"server.tls_key_file (FIELDBASE_SERVER_TLS_KEY_FILE): must be set with server.tls_cert_file"}, ""},
		{"ErrKeyWithoutCert", map[string]string{"FIELDBASE_SERVER_TLS_KEY_FILE": key},
			[]string{"server.tls_cert_file (FIELDBASE_SERVER_TLS_CERT_FILE): must be set with server.tls_key_file"}, ""},
		{"ErrMissingFile", map[string]string{"FIELDBASE_SERVER_TLS_CERT_FILE": filepath.Join(dir, "nope.pem"),
			"FIELDBASE_SERVER_TLS_KEY_FILE": key}, []string{"server.tls_cert_file", "nope.pem does not exist"}, ""},
		{"ErrDomainsAndFiles", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "fb.example.org",
			"FIELDBASE_SERVER_TLS_CERT_FILE": cert, "FIELDBASE_SERVER_TLS_KEY_FILE": key},
			[]string{"server.tls_domains", "cannot be used with server.tls_cert_file"}, ""},
		{"ErrLANAndDomains", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "fb.example.org",
			"FIELDBASE_SERVER_LAN_HTTPS": "true"}, []string{"server.lan_https", "cannot be used with"}, ""},
		{"ErrDomainIsURL", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "https://fb.example.org"},
			[]string{"server.tls_domains", "must be a public domain name such as fb.example.org"}, ""},
		{"ErrDomainIsIP", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "192.168.1.20"},
			[]string{"server.tls_domains", "not an IP address"}, ""},
		{"ErrWildcard", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "*.example.org"},
			[]string{"server.tls_domains", "no wildcard"}, ""},
		{"ErrACMEDirectoryHTTP", map[string]string{"FIELDBASE_SERVER_TLS_DOMAINS": "fb.example.org",
			"FIELDBASE_SERVER_ACME_DIRECTORY_URL": "http://acme.example.org/dir"},
			[]string{"server.acme_directory_url", "must be an https:// URL"}, ""},
		{"ErrEmail", map[string]string{"FIELDBASE_SERVER_ACME_EMAIL": "not-an-address"},
			[]string{"server.acme_email", "must be a valid email address"}, ""},
		{"ErrHTTPSAddrWithoutCertificate", map[string]string{"FIELDBASE_SERVER_HTTPS_ADDR": ":8443"},
			[]string{"server.https_addr", "needs a certificate"}, ""},
		{"ErrSamePort", map[string]string{"FIELDBASE_SERVER_LAN_HTTPS": "true", "FIELDBASE_SERVER_ADDR": ":8443"},
			[]string{"server.https_addr", "must listen on another port than server.addr (:8443)"}, ""},
		{"ErrLANHTTPSNotBool", map[string]string{"FIELDBASE_SERVER_LAN_HTTPS": "yes please"},
			[]string{"server.lan_https", "must be true or false"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(Sources{Getenv: envOf(tt.env)})
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := c.Server.HTTPSListen(); got != tt.wantHTTPS {
					t.Errorf("HTTPS listens on %q, want %q", got, tt.wantHTTPS)
				}
				return
			}
			if _, ok := err.(*InvalidError); !ok {
				t.Fatalf("err = %v (%T), want an *InvalidError", err, err)
			}
			msg, at := err.Error(), 0
			for _, want := range tt.wantErr {
				i := strings.Index(msg[at:], want)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, want)
				}
				at += i
			}
		})
	}
}
