package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

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

// projectAccess guards the routes of one project. A private project is invisible (404) to anyone without a
// role in it, so that its existence is not revealed.
type projectAccess struct{ min taskflow.Role }

// projectRole guards a project route: the caller needs at least role min in the project named by the path
// parameter "id". Effective roles: administrators are project managers everywhere, members have their role,
// any other signed-in user is a mapper on a public project, everyone else has none.
//
// projectRole(taskflow.RoleNone) is read access: anyone, even anonymous, may read a public project (its map is
// meant to be shared with the community), and only those with a role may read a private one.
func projectRole(min taskflow.Role) access { return projectAccess{min: min} }

func (pa projectAccess) documented() bool { return pa.min > taskflow.RoleNone }

func (pa projectAccess) check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context,
	error) {
	id, err := strconv.ParseInt(param("id"), 10, 64)
	if err != nil || id <= 0 {
		return ctx, errorf(http.StatusNotFound, "no such project")
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
	case proj.Visibility != "public" && role == taskflow.RoleNone:
		return ctx, errorf(http.StatusNotFound, "no such project")
	case pa.min == taskflow.RoleNone:
	case p == nil:
		return ctx, errUnauthenticated
	case !taskflow.RoleAtLeast(role, pa.min):
		return ctx, errorf(http.StatusForbidden, fmt.Sprintf("this needs the %s role in the project", pa.min))
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
	if proj.Visibility == "public" {
		return taskflow.RoleMapper, nil
	}
	return taskflow.RoleNone, nil
}

// hideProject turns a missing project into the same 404 a hidden one gets.
func hideProject(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Message: "no such project", Err: err}
	}
	return err
}
