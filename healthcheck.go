package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the whole healthcheck request.
const healthcheckTimeout = 5 * time.Second

// healthcheck asks the server listening on addr (as in server.addr: a wildcard host means this machine) for GET
// /api/v1/healthcheck and succeeds when it answers 200. It is what a container's HEALTHCHECK runs: the image has
// no shell or curl. With a public certificate (server.tls_domains or tls_cert_file) plain HTTP only redirects, so
// it asks HTTPS on tlsAddr instead, without checking the certificate: it is this machine's own server, asked
// whether it is alive, not trusted with anything.
func healthcheck(ctx context.Context, addr, tlsAddr string, stdout io.Writer) error {
	scheme, client := "http", http.DefaultClient
	if tlsAddr != "" {
		addr, scheme = tlsAddr, "https"
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &usageError{fmt.Sprintf("healthcheck: bad address %q: %v", addr, err)}
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	url := scheme + "://" + net.JoinHostPort(host, port) + "/api/v1/healthcheck"
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	_, err = fmt.Fprintln(stdout, "ok", url)
	return err
}
