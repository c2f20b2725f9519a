package config

import (
	"strings"
	"testing"
)

// TestSMTP: the password comes from the environment, and a wrong TLS mode or a host without a sender is refused
// naming the key.
func TestSMTP(t *testing.T) {
	t.Parallel()
	c, err := Load(Sources{File: writeFile(t, "[smtp]\nhost = \"mail.example.org\"\nfrom = \"fb@example.org\"\n"),
		Getenv: envOf(map[string]string{"FIELDBASE_SMTP_PASSWORD": "s3cret", "FIELDBASE_SMTP_TLS": "tls"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Password != "s3cret" || c.SMTP.TLS != "tls" || c.SMTP.Port != 587 || !c.SMTP.Enabled() {
		t.Errorf("smtp: %+v", c.SMTP)
	}
	if Defaults().SMTP.Enabled() {
		t.Error("e-mail is on by default")
	}
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"ErrTLS", "[smtp]\ntls = \"ssl\"\n", []string{"smtp.tls", "none, starttls, tls"}},
		{"ErrNoFrom", "[smtp]\nhost = \"mail.example.org\"\n", []string{"smtp.from", "needed when smtp.host is set"}},
		{"ErrFrom", "[smtp]\nfrom = \"nobody\"\n", []string{"smtp.from", "FIELDBASE_SMTP_FROM"}},
		{"ErrPort", "[smtp]\nport = 70000\n", []string{"smtp.port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(Sources{File: writeFile(t, tc.file)})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v lacks %q", err, w)
				}
			}
		})
	}
}
