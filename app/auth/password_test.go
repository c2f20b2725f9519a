package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// referenceHash is the argon2id example of the reference implementation
// (phc-winner-argon2: password "password", salt "somesalt", t=2, 64 MiB, 1
// lane), so the PHC format is checked against an independent producer.
const referenceHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

// cheapParams keeps most tests fast; DefaultParams is exercised once and in
// the benchmark.
func cheapParams() Params {
	return Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

func mustHash(t *testing.T, pw string, p Params) string {
	t.Helper()
	h, err := HashPassword(pw, p)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	return h
}

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	a := mustHash(t, "correct horse battery", DefaultParams())
	b := mustHash(t, "correct horse battery", DefaultParams())
	if !phc.MatchString(a) {
		t.Fatalf("hash %q is not a PHC argon2id string with the default params", a)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, h := range []string{a, b} {
		if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
			t.Fatalf("VerifyPassword(%q) = %v, %v; want true", h, ok, err)
		}
	}
}

func TestHashPasswordRejectsBadParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*Params)
	}{
		{"Err_ZeroIterations", func(p *Params) { p.Iterations = 0 }},
		{"Err_ZeroParallelism", func(p *Params) { p.Parallelism = 0 }},
		{"Err_TinyMemory", func(p *Params) { p.Memory = 4 }},
		{"Err_HugeMemory", func(p *Params) { p.Memory = 4 << 20 }},
		{"Err_ShortSalt", func(p *Params) { p.SaltLen = 4 }},
		{"Err_ShortKey", func(p *Params) { p.KeyLen = 8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := cheapParams()
			tt.modify(&p)
			if h, err := HashPassword("long enough password", p); err == nil {
				t.Fatalf("HashPassword with %+v = %q, want error", p, h)
			}
		})
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	good := mustHash(t, "s3cret field day", cheapParams())
	parts := strings.Split(good, "$")
	flip := func(s string) string { // change the first character, stay valid base64
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := []struct {
		name    string
		pw      string
		encoded string
		want    bool
		wantErr bool
	}{
		{"OK_RightPassword", "s3cret field day", good, true, false},
		{"OK_ReferenceVector", "password", referenceHash, true, false},
		{"Wrong_ReferenceVector", "passwore", referenceHash, false, false},
		{"Wrong_Password", "s3cret field dax", good, false, false},
		{"Wrong_Empty", "", good, false, false},
		{"Wrong_TamperedKey", "s3cret field day", join(parts[0], parts[1], parts[2], parts[3], parts[4], flip(parts[5])), false, false},
		{"Wrong_TamperedSalt", "s3cret field day", join(parts[0], parts[1], parts[2], parts[3], flip(parts[4]), parts[5]), false, false},
		{"Wrong_TamperedCost", "s3cret field day", join(parts[0], parts[1], parts[2], "m=64,t=2,p=1", parts[4], parts[5]), false, false},
		{"ErrInvalidHash_Empty", "x", "", false, true},
		{"ErrInvalidHash_Argon2i", "x", strings.Replace(good, "argon2id", "argon2i", 1), false, true},
		{"ErrInvalidHash_OldVersion", "x", strings.Replace(good, "v=19", "v=16", 1), false, true},
		{"ErrInvalidHash_MissingPart", "x", join(parts[:5]...), false, true},
		{"ErrInvalidHash_CostOrder", "x", join(parts[0], parts[1], parts[2], "t=1,m=64,p=1", parts[4], parts[5]), false, true},
		{"ErrInvalidHash_NegativeCost", "x", join(parts[0], parts[1], parts[2], "m=-64,t=1,p=1", parts[4], parts[5]), false, true},
		{"ErrInvalidHash_HugeMemory", "x", join(parts[0], parts[1], parts[2], "m=4294967295,t=1,p=1", parts[4], parts[5]), false, true},
		{"ErrInvalidHash_ZeroLanes", "x", join(parts[0], parts[1], parts[2], "m=64,t=1,p=0", parts[4], parts[5]), false, true},
		{"ErrInvalidHash_BadBase64", "x", join(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]+"="), false, true},
		{"ErrInvalidHash_ShortKey", "x", join(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5][:10]), false, true},
		{"ErrInvalidHash_Bcrypt", "x", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := VerifyPassword(tt.pw, tt.encoded)
			if ok != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("VerifyPassword = %v, %v; want %v, error %v", ok, err, tt.want, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("err = %v, want ErrInvalidHash", err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	cheap := mustHash(t, "long enough password", cheapParams())
	stronger := cheapParams()
	stronger.Iterations = 3
	longerKey := cheapParams()
	longerKey.KeyLen = 64
	tests := []struct {
		name    string
		encoded string
		p       Params
		want    bool
	}{
		{"No_SameParams", cheap, cheapParams(), false},
		{"Yes_MoreIterations", cheap, stronger, true},
		{"Yes_LongerKey", cheap, longerKey, true},
		{"Yes_ReferenceVersusDefault", referenceHash, DefaultParams(), true},
		{"No_ReferenceParamsReadBack", referenceHash, Params{Memory: 65536, Iterations: 2, Parallelism: 1, SaltLen: 8, KeyLen: 32}, false},
		{"Yes_Unreadable", "plain text", cheapParams(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NeedsRehash(tt.encoded, tt.p); got != tt.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkHashPassword(b *testing.B) {
	p := DefaultParams()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery staple", DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := VerifyPassword("correct horse battery staple", h); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// TestDummyHash checks that the dummy hash has the caller's cost (so verifying against it takes as long as
// against a real hash), matches no password, and is refused for invalid parameters like HashPassword.
func TestDummyHash(t *testing.T) {
	t.Parallel()
	p := cheapParams()
	d, err := DummyHash(p)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(d, p) {
		t.Fatalf("dummy hash %q does not carry the parameters %+v", d, p)
	}
	for _, pw := range []string{"", "password", "a long password"} {
		if ok, err := VerifyPassword(pw, d); ok || err != nil {
			t.Errorf("VerifyPassword(%q, dummy) = %v, %v", pw, ok, err)
		}
	}
	if other, _ := DummyHash(p); other == d {
		t.Error("two dummy hashes are equal")
	}
	bad := p
	bad.Iterations = 0
	if _, err := DummyHash(bad); err == nil {
		t.Error("DummyHash accepted zero iterations")
	}
}
