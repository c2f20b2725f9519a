package app

import (
	"context"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

// Principal is who is calling: a signed-in user (by session cookie or bearer token). Anonymous callers have none.
type Principal struct {
	UserID      int64
	Username    string
	DisplayName string
	IsAdmin     bool
	// SessionID is the id of the session or token row that authenticated the request.
	SessionID int64
	// ViaCookie is true for a browser session (which then needs a CSRF token to change anything).
	ViaCookie bool
	csrf      string
}

const principalKey ctxKey = "principal"

// principal returns the caller, or nil for an anonymous request.
func principal(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// access is the one authorization mechanism: every route names one in routes.go, and the route's handler runs
// only when check passes. check may return a context carrying what it loaded (e.g. the project and the caller's
// role in it), in the spirit of FastAPI's chained dependencies. param reads a path parameter.
type access interface {
	check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context, error)
	// documented reports whether the route needs credentials (for the OpenAPI security requirement).
	documented() bool
}

type levelAccess int

const (
	// anyone may call the route, signed in or not.
	anyone levelAccess = iota
	// signedIn routes need a signed-in, enabled user.
	signedIn
	// adminOnly routes need an administrator.
	adminOnly
)

func (l levelAccess) check(ctx context.Context, _ *App, p *Principal, _ func(string) string) (context.Context,
	error) {
	switch {
	case l == anyone:
		return ctx, nil
	case p == nil:
		return ctx, errUnauthenticated
	case l == adminOnly && !p.IsAdmin:
		return ctx, errorf(http.StatusForbidden, "only administrators may do this")
	}
	return ctx, nil
}

func (l levelAccess) documented() bool { return l != anyone }

// errUnauthenticated is the answer to a request that needs a user and has none (or an invalid credential).
var errUnauthenticated = errorf(http.StatusUnauthorized, "sign in, or send a valid API token")

// register adds a Huma operation guarded by acc, whose handler errors go through the same table as every other
// error: a client never sees an internal message, and 5xx causes are logged with the request id.
func register[I, O any](a *App, acc access, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if len(op.Errors) == 0 {
		op.Errors = []int{http.StatusBadRequest, http.StatusUnprocessableEntity}
	}
	if acc.documented() {
		op.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
		op.Errors = appendMissing(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	}
	op.Middlewares = append(op.Middlewares, func(hc huma.Context, next func(huma.Context)) {
		ctx := hc.Context()
		ctx, err := acc.check(ctx, a, principal(ctx), hc.Param)
		if err != nil {
			p := problem(err)
			logError(ctx, a.log, p.Status, err)
			_ = huma.WriteErr(a.api, hc, p.Status, p.Detail, problemDetails(p)...)
			return
		}
		next(huma.WithContext(hc, ctx))
	})
	huma.Register(a.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			logError(ctx, a.log, problem(err).Status, err)
			return nil, humaError(err)
		}
		return out, nil
	})
}

func problemDetails(p *huma.ErrorModel) []error {
	out := make([]error, 0, len(p.Errors))
	for _, d := range p.Errors {
		out = append(out, d)
	}
	return out
}

func appendMissing(list []int, codes ...int) []int {
	for _, c := range codes {
		found := false
		for _, have := range list {
			found = found || have == c
		}
		if !found {
			list = append(list, c)
		}
	}
	return list
}

// gate guards a plain Fiber route (a page, a stream, an upload) with the same access rules as register. A page
// sends an anonymous browser to the login page instead of showing a 401.
func (a *App) gate(acc access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		param := func(k string) string { return c.Params(k) }
		ctx, err := acc.check(c.UserContext(), a, principal(c.UserContext()), param)
		if err != nil {
			if err == errUnauthenticated && !wantsProblem(c) && c.Method() == fiber.MethodGet {
				return c.Redirect("/login?next="+urlQueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return err
		}
		c.SetUserContext(ctx)
		return c.Next()
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
