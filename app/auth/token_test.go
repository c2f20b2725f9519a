package auth

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	hexHash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 20 {
		plain, hash, err := NewToken()
		if err != nil {
			t.Fatalf("NewToken: %v", err)
		}
		body, ok := strings.CutPrefix(plain, TokenPrefix)
		if !ok {
			t.Fatalf("token %q lacks prefix %q", plain, TokenPrefix)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
		if err != nil || len(raw) != 32 || len(body) != 43 {
			t.Fatalf("token body %q: %d bytes, err %v; want 32 bytes in 43 base64url chars", body, len(raw), err)
		}
		if !hexHash.MatchString(hash) || hash != HashToken(plain) {
			t.Fatalf("hash %q: want 64 hex chars equal to HashToken(plain)", hash)
		}
		if seen[plain] {
			t.Fatalf("token %q repeated", plain)
		}
		seen[plain] = true
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		// FIPS 180-2 SHA-256 test vectors.
		{"OK_abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"OK_Empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := HashToken(tt.in); got != tt.want {
				t.Fatalf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
