// Package auth holds Fieldbase's credential primitives: argon2id password
// hashes in PHC string form, API tokens stored as SHA-256 hashes, username
// rules, and an in-memory login rate limiter.
//
// It is pure logic over the standard library, x/crypto and ozzo-validation:
// it must not import fiber, huma, fieldbase/db or any other app package. The
// caller stores hashes and decides what a failed check means for a request.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrInvalidHash means a stored password hash is not a well-formed argon2id
// PHC string this package can verify.
var ErrInvalidHash = errors.New("invalid argon2id password hash")

// Limits on parameters read back from a stored hash, so a tampered row cannot
// make one login allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB  = 1 << 20 // 1 GiB
	maxIterations = 64
	minSaltLen    = 8
	minKeyLen     = 16
	maxHashLen    = 1024
)

// Params are the argon2id cost parameters. Memory is in KiB.
type Params struct {
	Memory      uint32
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32
	KeyLen      uint32
}

// DefaultParams returns the OWASP Password Storage Cheat Sheet minimum for
// argon2id: 19 MiB of memory, 2 iterations, 1 lane, a 16-byte salt and a
// 32-byte key. Fieldbase runs on a Raspberry Pi or a small VPS where logins
// arrive in bursts at the start of a field day: 19 MiB per login keeps ten
// concurrent logins under 200 MiB, and one lane avoids starving the request
// goroutines of the few cores such a machine has, while the memory cost still
// makes GPU guessing expensive. Raise Memory first if the host allows.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

func (p Params) check() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("argon2id iterations %d out of range 1..%d", p.Iterations, maxIterations)
	case p.Parallelism < 1:
		return errors.New("argon2id parallelism must be at least 1")
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("argon2id memory %d KiB out of range %d..%d", p.Memory, 8*uint32(p.Parallelism), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxHashLen:
		return fmt.Errorf("argon2id salt length %d out of range %d..%d", p.SaltLen, minSaltLen, maxHashLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxHashLen:
		return fmt.Errorf("argon2id key length %d out of range %d..%d", p.KeyLen, minKeyLen, maxHashLen)
	}
	return nil
}

// HashPassword hashes pw with argon2id under p and a fresh random salt, and
// returns the PHC string $argon2id$v=19$m=M,t=T,p=P$salt$hash (unpadded
// standard base64).
func HashPassword(pw string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return encodeHash(p, salt, key), nil
}

// DummyHash returns a well-formed hash under p whose salt and key are random bytes rather than derived from any
// password, so no password matches it in practice. Verifying against it costs as much as against a real hash
// under p, which lets a login for an unknown username take as long as a wrong password without hashing
// anything to build it.
func DummyHash(p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	buf := make([]byte, p.SaltLen+p.KeyLen)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("read dummy hash: %w", err)
	}
	return encodeHash(p, buf[:p.SaltLen], buf[p.SaltLen:]), nil
}

// encodeHash writes the PHC string $argon2id$v=19$m=M,t=T,p=P$salt$key.
func encodeHash(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches the PHC string encoded, using the
// parameters stored in it and a constant-time comparison. A wrong password is
// (false, nil); a malformed string is (false, ErrInvalidHash).
func VerifyPassword(pw, encoded string) (bool, error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so the caller should store a fresh hash after the
// next successful login.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decodeHash(encoded)
	return err != nil || got != p
}

// decodeHash parses a PHC argon2id string into its parameters, salt and key.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrInvalidHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrInvalidHash, parts[2])
	}
	p, err := parseCost(parts[3])
	if err != nil {
		return Params{}, nil, nil, err
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: salt: %v", ErrInvalidHash, err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: key: %v", ErrInvalidHash, err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrInvalidHash, err)
	}
	return p, salt, key, nil
}

// parseCost reads "m=M,t=T,p=P" in exactly that order.
func parseCost(s string) (Params, error) {
	fields := strings.Split(s, ",")
	names := []string{"m=", "t=", "p="}
	var vals [3]uint64
	if len(fields) != len(names) {
		return Params{}, fmt.Errorf("%w: parameters %q", ErrInvalidHash, s)
	}
	for i, f := range fields {
		num, ok := strings.CutPrefix(f, names[i])
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil || (i == 2 && v > 255) {
			return Params{}, fmt.Errorf("%w: parameter %q", ErrInvalidHash, f)
		}
		vals[i] = v
	}
	return Params{Memory: uint32(vals[0]), Iterations: uint32(vals[1]), Parallelism: uint8(vals[2])}, nil
}
