package config

import (
	"errors"
	"net"
	"os"
	"strings"

	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/go-ozzo/ozzo-validation/v4/is"
)

// tlsErrors checks the HTTPS keys together: one way of getting a certificate at a time, both files or neither,
// domain names an ACME server can issue for, and an HTTPS address apart from the HTTP one.
func (s Server) tlsErrors() validation.Errors {
	errs := validation.Errors{
		"server.https_addr":         validation.Validate(s.HTTPSAddr, validation.When(s.HTTPSAddr != "", validation.By(hostPort))),
		"server.tls_domains":        validation.Validate(s.TLSDomains, validation.Each(validation.By(domainName))),
		"server.acme_email":         validation.Validate(s.ACMEEmail, is.EmailFormat),
		"server.acme_directory_url": validation.Validate(s.ACMEDirectoryURL, validation.By(httpsURL)),
		"server.tls_cert_file":      validation.Validate(s.TLSCertFile, validation.By(readable)),
		"server.tls_key_file":       validation.Validate(s.TLSKeyFile, validation.By(readable)),
	}
	set := func(key, msg string) {
		if errs[key] == nil {
			errs[key] = errors.New(msg)
		}
	}
	switch {
	case s.TLSCertFile != "" && s.TLSKeyFile == "":
		set("server.tls_key_file", "must be set with server.tls_cert_file (the certificate's private key)")
	case s.TLSKeyFile != "" && s.TLSCertFile == "":
		set("server.tls_cert_file", "must be set with server.tls_key_file (the certificate for that key)")
	}
	if len(s.TLSDomains) > 0 && (s.TLSCertFile != "" || s.TLSKeyFile != "") {
		set("server.tls_domains", "cannot be used with server.tls_cert_file and server.tls_key_file: "+
			"choose automatic certificates for the domains or your own certificate")
	}
	if s.LANHTTPS && (s.PublicTLS() || s.TLSKeyFile != "") {
		set("server.lan_https", "cannot be used with server.tls_domains or server.tls_cert_file: "+
			"the local certificate authority is for a network without a public certificate")
	}
	if l := s.HTTPSListen(); l != "" && samePort(l, s.Addr) {
		set("server.https_addr", "must listen on another port than server.addr ("+s.Addr+"), not "+l)
	}
	if s.HTTPSAddr != "" && !s.PublicTLS() && !s.LANHTTPS {
		set("server.https_addr", "needs a certificate: set server.tls_domains, server.tls_cert_file or "+
			"server.lan_https = true")
	}
	return errs
}

// samePort reports whether two listen addresses would clash: the same port on the same or an unspecified host.
func samePort(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb || pa == "0" { // port 0: any free port
		return false
	}
	return ha == hb || ha == "" || hb == "" || ha == "0.0.0.0" || hb == "0.0.0.0" || ha == "::" || hb == "::"
}

// domainName is the rule of a name an ACME server issues a certificate for over http-01.
func domainName(v any) error {
	s, _ := v.(string)
	if net.ParseIP(s) != nil || strings.ContainsAny(s, "*:/") || !strings.Contains(s, ".") ||
		is.DNSName.Validate(s) != nil {
		return errors.New("must be a public domain name such as fb.example.org " +
			"(no https://, no port, no wildcard, not an IP address)")
	}
	return nil
}

func httpsURL(v any) error {
	s, _ := v.(string)
	if s == "" {
		return errors.New("cannot be blank (Let's Encrypt's is " + LetsEncrypt + ")")
	}
	if is.URL.Validate(s) != nil || !strings.HasPrefix(s, "https://") {
		return errors.New("must be an https:// URL, e.g. " + LetsEncrypt)
	}
	return nil
}

// readable is the rule of a file the server reads at start: it must exist and be a file.
func readable(v any) error {
	s, _ := v.(string)
	if s == "" {
		return nil
	}
	fi, err := os.Stat(s)
	switch {
	case err != nil && os.IsNotExist(err):
		return errors.New("file " + s + " does not exist")
	case err != nil:
		return errors.New("file " + s + " cannot be read: " + errors.Unwrap(err).Error())
	case fi.IsDir():
		return errors.New(s + " is a directory, not a PEM file")
	}
	return nil
}
