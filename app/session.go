package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/auth"
	"fieldbase/db"
)

const (
	// sessionCookie is the name of the browser session cookie.
	sessionCookie = "fb_session"
	// csrfHeader carries the CSRF token on htmx and fetch requests; csrfField in plain HTML forms.
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf_token"
	// touchEvery bounds how often a credential's last_used_at is written.
	touchEvery = time.Minute
)

const clientIPKey ctxKey = "client_ip"

// authenticate resolves the caller from a bearer token or the session cookie and enforces CSRF rules for
// state-changing requests that a browser could be tricked into sending. An invalid or expired credential leaves
// the request anonymous; routes that need a user then answer 401.
func (a *App) authenticate(c *fiber.Ctx) error {
	ctx := context.WithValue(c.UserContext(), clientIPKey, strings.Clone(c.IP()))
	var plain string
	bearer := false
	if h := c.Get(fiber.HeaderAuthorization); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		plain, bearer = strings.TrimSpace(h[7:]), true
	} else if ck := c.Cookies(sessionCookie); ck != "" {
		plain = ck
	}
	var p *Principal
	if plain != "" {
		var err error
		if p, err = a.principalFor(ctx, plain, !bearer); err != nil {
			return err
		}
	}
	if p != nil {
		ctx = context.WithValue(ctx, principalKey, p)
	}
	c.SetUserContext(ctx)
	if !bearer && unsafeMethod(c.Method()) {
		if err := checkCSRF(c, p); err != nil {
			return err
		}
	}
	return c.Next()
}

// principalFor looks up a credential (in the cache, else the database); sessions only count from the cookie and
// tokens only from the header.
func (a *App) principalFor(ctx context.Context, plain string, cookie bool) (*Principal, error) {
	hash := auth.HashToken(plain)
	now := time.Now()
	p, lastUsed, ok := a.creds.get(hash, now)
	if !ok {
		cred, user, err := a.store.Authenticate(ctx, hash, now)
		if errors.Is(err, db.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		p = Principal{UserID: user.ID, Username: user.Username, DisplayName: user.DisplayName,
			IsAdmin: user.IsAdmin, SessionID: cred.ID, ViaCookie: cred.Kind == "session", Language: user.Language}
		if p.ViaCookie {
			p.csrf = csrfToken(hash)
		}
		lastUsed = cred.LastUsedAt
		a.creds.put(hash, p, cred.ExpiresAt, lastUsed, now)
	}
	if cookie != p.ViaCookie {
		return nil, nil
	}
	if now.Sub(lastUsed) > touchEvery {
		a.creds.used(hash, now)
		id := p.SessionID
		a.bg.run(func(ctx context.Context) {
			if err := a.store.TouchCredential(ctx, id, now); err != nil && ctx.Err() == nil {
				a.log.Warn("credential use not recorded", "err", err)
			}
		})
	}
	return &p, nil
}

// csrfToken derives a session's CSRF token from the stored hash of its secret, so nothing more is stored and
// only a holder of the session can know it.
func csrfToken(sessionHash string) string {
	sum := sha256.Sum256([]byte("csrf:" + sessionHash))
	return hex.EncodeToString(sum[:16])
}

func unsafeMethod(m string) bool {
	return m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions
}

// checkCSRF refuses cross-site state changes: any request whose Origin (or Sec-Fetch-Site) says it comes from
// another site, and any cookie-authenticated request without the session's CSRF token.
func checkCSRF(c *fiber.Ctx, p *Principal) error {
	if site := c.Get("Sec-Fetch-Site"); site == "cross-site" {
		return errCSRF
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, c.Hostname()) {
			return errCSRF
		}
	}
	if p == nil || !p.ViaCookie {
		return nil
	}
	token := c.Get(csrfHeader)
	if token == "" && strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		token = c.FormValue(csrfField)
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(p.csrf)) != 1 {
		return errCSRF
	}
	return nil
}

var errCSRF = refusal(http.StatusForbidden, coded("validation_csrf", "this request did not come from a Fieldbase "+
	"page (CSRF check failed); reload the page and try again"))

// setSessionCookie gives the browser its session: HttpOnly, SameSite=Lax, Secure over HTTPS.
func (a *App) setSessionCookie(c *fiber.Ctx, plain string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: plain, Path: "/", Expires: expires, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https" ||
			strings.HasPrefix(a.cfg.Server.BaseURL, "https://")})
}

func clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}
