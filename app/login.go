package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"fieldbase/app/auth"
	"fieldbase/app/config"
	"fieldbase/db"
)

// errBadCredentials is the one answer to a wrong username or password: it never says which half was wrong.
var errBadCredentials = refusal(http.StatusUnauthorized, coded("validation_bad_credentials", "wrong username or password"))

// hashWait is the longest a request waits for a password hashing slot. Request contexts carry no deadline of
// their own, and a client has given up long before this.
const hashWait = 30 * time.Second

// logins checks and hashes passwords: with a rate limit per client address and per username, and at most
// slots.Size() argon2id computations at once across every request path (logins, user creation, password
// changes), since each one holds the configured argon2 memory while it runs.
type logins struct {
	store   *db.Store
	params  auth.Params
	limiter *auth.Limiter
	slots   *auth.Semaphore
	// wait bounds the wait for a slot (hashWait); dummy is verified for unknown usernames, so they cost as
	// much as a wrong password.
	wait  time.Duration
	dummy string
	// verifyFn is auth.VerifyPassword; tests wrap it to watch how many run at once.
	verifyFn func(password, encoded string) (bool, error)
}

// newLogins builds the login checker for the configured argon2id cost, hashing concurrency and rate limit.
func newLogins(cfg config.Auth, store *db.Store) (*logins, error) {
	p := auth.Params{Memory: uint32(cfg.Argon2MemoryKiB), Iterations: uint32(cfg.Argon2Iterations),
		Parallelism: uint8(cfg.Argon2Parallelism), SaltLen: auth.DefaultParams().SaltLen,
		KeyLen: auth.DefaultParams().KeyLen}
	dummy, err := auth.DummyHash(p)
	if err != nil {
		return nil, err
	}
	return &logins{store: store, params: p, limiter: auth.NewLimiter(cfg.LoginMaxFailures, cfg.LoginWindow,
		time.Now), slots: auth.NewSemaphore(cfg.HashConcurrency), wait: hashWait, dummy: dummy,
		verifyFn: auth.VerifyPassword}, nil
}

// tooMany is a 429 that tells the client when to try again.
func tooMany(retry time.Duration) error {
	secs := int(retry.Seconds()) + 1
	e := refusal(http.StatusTooManyRequests, coded("validation_too_many_logins", "too many failed logins; try again later"))
	e.Headers = map[string]string{"Retry-After": strconv.Itoa(secs)}
	return e
}

// busy is the 503 for a request that waited too long for a password hashing slot: the server is overloaded, not
// the client at fault, so it is not a 429 and it does not count as a failed login.
func busy(cause error) error {
	e := refusal(http.StatusServiceUnavailable, coded("validation_busy_hashing",
		"the server is busy checking other passwords; try again in a moment"))
	e.Headers, e.Err = map[string]string{"Retry-After": "2"}, cause
	return e
}

// acquire takes a password hashing slot, waiting at most l.wait and while ctx lasts; a caller that gives up
// gets busy, never an internal error. The caller releases the slot.
func (l *logins) acquire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	if err := l.slots.Acquire(ctx); err != nil {
		return busy(err)
	}
	return nil
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
		hash = l.dummy
	}
	ok, verr := l.verify(ctx, password, hash)
	var ae *Error
	if errors.As(verr, &ae) { // the server is busy: not a failed login
		return db.User{}, verr
	}
	if err != nil || verr != nil || !ok || u.Disabled {
		l.limiter.Fail(ipKey)
		l.limiter.Fail(userKey)
		return db.User{}, errBadCredentials
	}
	l.limiter.Reset(userKey)
	return u, nil
}

// verify reports whether password matches the stored hash, holding a hashing slot while argon2id runs. A
// malformed hash is (false, auth.ErrInvalidHash); a wait for a slot cut short is busy.
func (l *logins) verify(ctx context.Context, password, hash string) (bool, error) {
	if err := l.acquire(ctx); err != nil {
		return false, err
	}
	defer l.slots.Release()
	return l.verifyFn(password, hash)
}

// hash hashes a new password with the configured cost, holding a hashing slot while argon2id runs.
func (l *logins) hash(ctx context.Context, password string) (string, error) {
	if err := l.acquire(ctx); err != nil {
		return "", err
	}
	defer l.slots.Release()
	return auth.HashPassword(password, l.params)
}

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
