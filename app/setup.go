package app

import (
	"crypto/subtle"
	"sync"

	"fieldbase/app/auth"
)

// setupLink is the one-time first-administrator link that serve prints while no administrator exists: valid
// once, for this boot only (it lives in memory).
type setupLink struct {
	mu   sync.Mutex
	hash string
}

// EnableSetup creates a new one-time set-up token and returns it (the caller prints the link).
func (a *App) EnableSetup() (string, error) {
	plain, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	a.setup.mu.Lock()
	a.setup.hash = hash
	a.setup.mu.Unlock()
	return plain, nil
}

// setupValid reports whether token is the current set-up token.
func (a *App) setupValid(token string) bool {
	a.setup.mu.Lock()
	defer a.setup.mu.Unlock()
	return a.setup.hash != "" && subtle.ConstantTimeCompare([]byte(auth.HashToken(token)), []byte(a.setup.hash)) == 1
}

// consumeSetup uses the token up, reporting whether it was valid; only one caller can win.
func (a *App) consumeSetup(token string) bool {
	a.setup.mu.Lock()
	defer a.setup.mu.Unlock()
	if a.setup.hash == "" || subtle.ConstantTimeCompare([]byte(auth.HashToken(token)), []byte(a.setup.hash)) != 1 {
		return false
	}
	a.setup.hash = ""
	return true
}
