package app

import (
	"errors"
	"fmt"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// memberRoles are the roles a member can have, weakest first.
var memberRoles = []string{"mapper", "validator", "field_manager", "project_manager"}

type membersPage struct {
	Project   ProjectBody
	Members   []MemberBody
	Roles     []option
	CanManage bool
	Username  string
	Role      string
	Errors    map[string]string
	Saved     string
}

func (a *App) membersPageData(c *fiber.Ctx, page membersPage) (membersPage, error) {
	pa := projectFrom(c.UserContext())
	list, err := a.apiListMembers(c.UserContext(), &ProjectIDInput{ID: pa.Project.ID})
	if err != nil {
		return page, err
	}
	page.Project, page.Members, page.Roles = projectBody(pa.Project, pa.Role), list.Body.Items, roleOptions(a.tr(c))
	page.CanManage = taskflow.RoleAtLeast(pa.Role, taskflow.RoleProjectManager)
	if page.Role == "" {
		page.Role = "mapper"
	}
	return page, nil
}

// showMembersPage lists a project's members; project managers also get the forms to change them.
func (a *App) showMembersPage(c *fiber.Ctx) error {
	page, err := a.membersPageData(c, membersPage{Saved: c.Query("saved")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "project_members", "Members", page)
}

// addMemberForm adds a user by username (or changes their role) through the API's handler.
func (a *App) addMemberForm(c *fiber.Ctx) error {
	form := membersPage{Username: strings.TrimSpace(c.FormValue("username")), Role: c.FormValue("role")}
	name, err := a.putMember(c, form.Username, form.Role)
	if err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		page, derr := a.membersPageData(c, form)
		if derr != nil {
			return derr
		}
		page.Errors = errs
		return a.page(c, status, "project_members", "Members", page)
	}
	return a.redirect(c, a.membersURL(c, a.tr(c).T("members.flash.role", "Name", name, "Role", roleLabel(a.tr(c), form.Role))))
}

// errNoSuchUser refuses a username no account has.
var errNoSuchUser = coded("validation_no_such_user", "no user has this name")

// putMember finds the user and sets their role; it returns the name people know them by.
func (a *App) putMember(c *fiber.Ctx, username, role string) (string, error) {
	if username == "" {
		return "", fieldError("username", validation.ErrRequired)
	}
	u, err := a.store.UserByUsername(c.UserContext(), username)
	if errors.Is(err, db.ErrNotFound) {
		return "", fieldError("username", errNoSuchUser)
	}
	if err != nil {
		return "", err
	}
	_, err = a.apiPutMember(c.UserContext(), &struct {
		MemberInput
		Body MemberRoleBody
	}{MemberInput{ID: projectFrom(c.UserContext()).Project.ID, UserID: u.ID}, MemberRoleBody{Role: role}})
	return tasking.PersonName(u.DisplayName, u.Username), err
}

// changeMemberForm changes a member's role, or removes them when the form says remove.
func (a *App) changeMemberForm(c *fiber.Ctx) error {
	userID, err := strconv.ParseInt(c.Params("user_id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	in := MemberInput{ID: projectFrom(c.UserContext()).Project.ID, UserID: userID}
	msg := a.tr(c).T("members.flash.removed")
	if c.FormValue("remove") != "" {
		_, err = a.apiDeleteMember(c.UserContext(), &in)
	} else {
		msg = a.tr(c).T("members.flash.role_changed")
		_, err = a.apiPutMember(c.UserContext(), &struct {
			MemberInput
			Body MemberRoleBody
		}{in, MemberRoleBody{Role: c.FormValue("role")}})
	}
	if err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		page, derr := a.membersPageData(c, membersPage{})
		if derr != nil {
			return derr
		}
		page.Errors = errs
		return a.page(c, status, "project_members", "Members", page)
	}
	return a.redirect(c, a.membersURL(c, msg))
}

func (a *App) membersURL(c *fiber.Ctx, saved string) string {
	return fmt.Sprintf("/projects/%d/members?saved=%s", projectFrom(c.UserContext()).Project.ID,
		urlQueryEscape(saved))
}
