package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheckCommand: exit 0 when the server at --http answers 200 on /api/v1/healthcheck, 1 when it answers
// otherwise or nothing listens, 2 for a malformed address.
func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/healthcheck" {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	up := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := net.SplitHostPort(up)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	_ = ln.Close()
	tests := []struct {
		name     string
		addr     string
		wantCode int
		wantOut  string
	}{
		{"OK", up, 0, "ok http://" + up + "/api/v1/healthcheck"},
		{"OKWildcardHost", "0.0.0.0:" + port, 0, "ok http://127.0.0.1:" + port},
		{"ErrNothingListens", down, 1, ""},
		{"ErrBadAddress", "8090", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, err := runCommand(context.Background(), []string{"healthcheck", "--http", tt.addr,
				"--dir", t.TempDir()}, nil)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Errorf("code %d out %q err %v, want code %d and %q", code, out, err, tt.wantCode, tt.wantOut)
			}
		})
	}
}
