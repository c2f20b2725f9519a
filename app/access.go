package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
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
	// Language is the pages' language the person chose ("" none).
	Language string
	csrf     string
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
		return ctx, refusal(http.StatusForbidden, coded("validation_admins_only", "only administrators may do this"))
	}
	return ctx, nil
}

func (l levelAccess) documented() bool { return l != anyone }

// errUnauthenticated is the answer to a request that needs a user and has none (or an invalid credential).
var errUnauthenticated = refusal(http.StatusUnauthorized, coded("validation_sign_in", "sign in, or send a valid API token"))

// register adds the Huma operation op at method and path (under /api/v1, with OpenAPI {params}), guarded by acc.
// Its handler's errors go through the same table as every other error: a client never sees an internal message,
// and 5xx causes are logged with the request id.
func register[I, O any](a *App, method, path string, acc access, op huma.Operation,
	h func(context.Context, *I) (*O, error)) {
	op.Method, op.Path = method, path
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

// handle adds a plain Fiber handler at method and path (Fiber :params, under /api/v1) guarded by acc, and adds
// op to the OpenAPI document at the same method and path, so that the document lists every /api/v1 route.
func (a *App) handle(method, path string, acc access, h fiber.Handler, op huma.Operation) {
	a.fiber.Add(method, apiPrefix+path, a.gate(acc), h)
	op.Method, op.Path = method, fiberParams.ReplaceAllString(path, "{$1}")
	if acc.documented() && op.Security == nil {
		op.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	}
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	a.api.OpenAPI().AddOperation(&op)
}

// fiberParams matches a Fiber path parameter (":id"), to write the path the OpenAPI way ("{id}").
var fiberParams = regexp.MustCompile(`:(\w+)`)

// upload is handle for a route that reads its body as a stream (see streamed).
func (a *App) upload(method, path string, acc access, h fiber.Handler, doc huma.Operation) {
	a.handle(method, a.streamed(apiPrefix + path)[len(apiPrefix):], acc, h, doc)
}

// streamed marks a POST route whose handler reads the body as a stream, with its own size limit (multipart
// uploads), so that limitBodies leaves its body alone; it returns path for the registration on the same line.
func (a *App) streamed(path string) string {
	a.streamedPaths = append(a.streamedPaths, "^"+fiberParams.ReplaceAllString(regexp.QuoteMeta(path), "[^/]+")+"$")
	a.streamedRE = regexp.MustCompile(strings.Join(a.streamedPaths, "|"))
	return path
}

// ProjectAccess is the project a route names (path parameter "id") and the caller's effective role in it, as
// loaded by projectRole.
type ProjectAccess struct {
	Project db.Project
	Role    taskflow.Role
}

const projectAccessKey ctxKey = "project_access"

// projectFrom returns what projectRole loaded for this request (nil on a route without it).
func projectFrom(ctx context.Context) *ProjectAccess {
	pa, _ := ctx.Value(projectAccessKey).(*ProjectAccess)
	return pa
}

// projectAccess guards the routes of one project. A private project, and any project still in draft, is
// invisible (404) to anyone without a role in it, so that its existence is not revealed.
type projectAccess struct{ min taskflow.Role }

// projectRole guards a project route: the caller needs at least role min in the project named by the path
// parameter "id". Effective roles: administrators are project managers everywhere, members have their role,
// any other signed-in user is a mapper on a public project, everyone else has none.
//
// projectRole(taskflow.RoleNone) is read access: anyone, even anonymous, may read a published public project (its
// map is meant to be shared with the community), and only those with a role may read a private one or a draft.
func projectRole(min taskflow.Role) access { return projectAccess{min: min} }

func (pa projectAccess) documented() bool { return pa.min > taskflow.RoleNone }

func (pa projectAccess) check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context,
	error) {
	id, err := strconv.ParseInt(param("id"), 10, 64)
	if err != nil || id <= 0 {
		return ctx, refusal(http.StatusNotFound, errNoProject)
	}
	proj, err := a.store.Project(ctx, id)
	if err != nil {
		return ctx, hideProject(err)
	}
	role, err := a.effectiveRole(ctx, proj, p)
	if err != nil {
		return ctx, err
	}
	switch {
	case !openToAll(proj) && role == taskflow.RoleNone:
		return ctx, refusal(http.StatusNotFound, errNoProject)
	case pa.min == taskflow.RoleNone:
	case p == nil:
		return ctx, errUnauthenticated
	case !taskflow.RoleAtLeast(role, pa.min):
		return ctx, errorf(http.StatusForbidden, fmt.Sprintf("only a %s or above in this project may do this",
			strings.ReplaceAll(pa.min.String(), "_", " ")))
	}
	return context.WithValue(ctx, projectAccessKey, &ProjectAccess{Project: proj, Role: role}), nil
}

// effectiveRole resolves the caller's role in the project.
func (a *App) effectiveRole(ctx context.Context, proj db.Project, p *Principal) (taskflow.Role, error) {
	switch {
	case p == nil:
		return taskflow.RoleNone, nil
	case p.IsAdmin:
		return taskflow.RoleProjectManager, nil
	}
	name, err := a.store.MemberRole(ctx, proj.ID, p.UserID)
	if err != nil {
		return taskflow.RoleNone, err
	}
	if name != "" {
		return taskflow.ParseRole(name)
	}
	if openToAll(proj) {
		return taskflow.RoleMapper, nil
	}
	return taskflow.RoleNone, nil
}

// openToAll reports whether anyone may see the project: a public one once it is out of draft. A draft, or a
// private project, is seen only by its members and administrators.
func openToAll(p db.Project) bool { return p.Visibility == "public" && p.Status != "draft" }

// errNoProject is the answer about a project that does not exist or that the caller may not see.
var errNoProject = coded("validation_no_such_project", "no such project")

// hideProject turns a missing project into the same 404 a hidden one gets.
func hideProject(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Message: errNoProject.Error(), Words: errNoProject, Err: err}
	}
	return err
}
