package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// errBadCredentials is the one answer to a wrong username or password: it never says which half was wrong.
var errBadCredentials = errorf(http.StatusUnauthorized, "wrong username or password")

// logins checks passwords with a rate limit per client address and per username.
type logins struct {
	store   *db.Store
	params  auth.Params
	limiter *auth.Limiter
	dummy   struct {
		once sync.Once
		hash string
	}
}

// tooMany is a 429 that tells the client when to try again.
func tooMany(retry time.Duration) error {
	secs := int(retry.Seconds()) + 1
	return &Error{Status: http.StatusTooManyRequests, Message: "too many failed logins; try again later",
		Headers: map[string]string{"Retry-After": strconv.Itoa(secs)}}
}

// check returns the enabled user with these credentials. Failures count against the client address and the
// username; a success clears the username's count. An unknown username costs as much time as a wrong password.
func (l *logins) check(ctx context.Context, username, password string) (db.User, error) {
	ipKey, userKey := "ip:"+clientIP(ctx), "user:"+auth.NormalizeUsername(username)
	for _, k := range []string{ipKey, userKey} {
		if ok, retry := l.limiter.Allow(k); !ok {
			return db.User{}, tooMany(retry)
		}
	}
	u, err := l.store.UserByUsername(ctx, auth.NormalizeUsername(username))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return db.User{}, err
	}
	hash := u.PasswordHash
	if err != nil {
		hash = l.dummyHash()
	}
	ok, verr := auth.VerifyPassword(password, hash)
	if err != nil || verr != nil || !ok || u.Disabled {
		l.limiter.Fail(ipKey)
		l.limiter.Fail(userKey)
		return db.User{}, errBadCredentials
	}
	l.limiter.Reset(userKey)
	return u, nil
}

func (l *logins) dummyHash() string {
	l.dummy.once.Do(func() {
		l.dummy.hash, _ = auth.HashPassword("not a real password, only for timing", l.params)
	})
	return l.dummy.hash
}

// hash hashes a new password with the configured cost.
func (l *logins) hash(password string) (string, error) { return auth.HashPassword(password, l.params) }

// issue creates a session or an API token for a user and returns its secret, shown once.
func (a *App) issue(ctx context.Context, userID int64, kind, name string) (string, db.Credential, error) {
	plain, hash, err := auth.NewToken()
	if err != nil {
		return "", db.Credential{}, err
	}
	ttl := a.cfg.Auth.TokenTTL
	if kind == "session" {
		ttl = a.cfg.Auth.SessionTTL
	}
	cred, err := a.store.CreateCredential(ctx, db.Credential{UserID: userID, Kind: kind, Name: name,
		ExpiresAt: time.Now().Add(ttl)}, hash)
	return plain, cred, err
}
