package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// TokenPrefix starts every API token, so a leaked token is recognisable in
// logs, pastes and secret scanners.
const TokenPrefix = "fb_"

// tokenBytes is the token's entropy: 256 bits.
const tokenBytes = 32

// NewToken returns a fresh API token: plain is shown to the user once
// (TokenPrefix followed by 32 random bytes in unpadded base64url), hash is
// what the database keeps (HashToken of plain).
func NewToken() (plain, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("read token bytes: %w", err)
	}
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain), nil
}

// HashToken returns the lower-case hex SHA-256 of a plain token. Tokens carry
// 256 bits of entropy, so a fast unsalted hash is enough and lets the caller
// look a token up by its hash.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}
