package app

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

// formField is what the "field" partial needs to draw one labelled input with its error.
type formField struct {
	Name, Label, Type, Value, Autocomplete string
	Errors                                 map[string]string
	Required                               bool
}

func newFormField(name, label, typ, value string, errs map[string]string, autocomplete string,
	required bool) formField {
	return formField{Name: name, Label: label, Type: typ, Value: value, Errors: errs, Autocomplete: autocomplete,
		Required: required}
}

// safeNext keeps a post-login redirect on this server.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginPage struct {
	Username, Next, Error string
	Errors                map[string]string
}

func (a *App) showLoginPage(c *fiber.Ctx) error {
	if principal(c.UserContext()) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	return a.page(c, fiber.StatusOK, "login", "Log in", loginPage{Next: safeNext(c.Query("next"))})
}

// login checks the form, starts a session and redirects; a failure re-renders the form with the message.
func (a *App) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	username, password := c.FormValue("username"), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	u, err := a.logins.check(ctx, username, password)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			return err
		}
		for k, v := range ae.Headers {
			c.Set(k, v)
		}
		_, msg, _ := judge(ae)
		return a.page(c, ae.Status, "login", "Log in", loginPage{Username: username, Next: next,
			Error: a.tr(c).word(msg)})
	}
	plain, cred, err := a.issue(ctx, u.ID, "session", string(c.Request().Header.UserAgent()))
	if err != nil {
		return err
	}
	a.setSessionCookie(c, plain, cred.ExpiresAt)
	return a.redirect(c, next)
}

// redirect sends the browser elsewhere after a form: htmx follows HX-Redirect, a plain form a 303.
func (a *App) redirect(c *fiber.Ctx, to string) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (a *App) logout(c *fiber.Ctx) error {
	if p := principal(c.UserContext()); p != nil {
		if err := a.revoke(c.UserContext(), p.SessionID); err != nil {
			return err
		}
	}
	clearSessionCookie(c)
	return a.redirect(c, "/")
}

type setupPage struct {
	Token, Username, DisplayName string
	Errors                       map[string]string
}

func (a *App) showSetupPage(c *fiber.Ctx) error {
	if !a.setupValid(c.Params("token")) {
		return errorf(http.StatusNotFound, "this set-up link is not valid (it works once, until the server restarts)")
	}
	return a.page(c, fiber.StatusOK, "setup", "Set up", setupPage{Token: c.Params("token")})
}

// setupAdmin creates the first administrator through the one-time link and signs them in.
func (a *App) setupAdmin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := strings.Clone(c.Params("token"))
	b := NewUserBody{Username: c.FormValue("username"), DisplayName: c.FormValue("display_name"),
		Password: c.FormValue("password"), IsAdmin: true}
	if !a.setupValid(token) {
		return errorf(http.StatusNotFound, "this set-up link is not valid (it works once, until the server restarts)")
	}
	if err := b.Validate(); err != nil {
		return a.rerender(c, err, "setup", "Set up", func(errs map[string]string) any {
			return setupPage{Token: token, Username: b.Username, DisplayName: b.DisplayName, Errors: errs}
		})
	}
	if !a.consumeSetup(token) {
		return errorf(http.StatusNotFound, "this set-up link was used already")
	}
	u, err := a.createUser(ctx, b)
	if err != nil {
		return err
	}
	plain, cred, err := a.issue(ctx, u.ID, "session", "set-up")
	if err != nil {
		return err
	}
	a.setSessionCookie(c, plain, cred.ExpiresAt)
	return a.redirect(c, "/")
}

// rerender shows a form again with the error's per-field messages (422 and the like), or returns the error.
func (a *App) rerender(c *fiber.Ctx, err error, page, title string, data func(map[string]string) any) error {
	errs, status, ok := a.formErrors(c, err)
	if !ok {
		return err
	}
	return a.page(c, status, page, title, data(errs))
}

type passwordPage struct {
	Errors map[string]string
	Saved  bool
	// Language is the person's saved language choice, "" for automatic.
	Language string
}

func (a *App) showPasswordPage(c *fiber.Ctx) error {
	saved, err := a.store.UserLanguage(c.UserContext(), principal(c.UserContext()).UserID)
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "password", "Change your password", passwordPage{Language: saved})
}

func (a *App) changePasswordForm(c *fiber.Ctx) error {
	b := PasswordChangeBody{OldPassword: c.FormValue("old_password"), NewPassword: c.FormValue("new_password")}
	if err := a.changePassword(c.UserContext(), principal(c.UserContext()), b); err != nil {
		return a.rerender(c, err, "password", "Change your password", func(errs map[string]string) any {
			return passwordPage{Errors: errs}
		})
	}
	return a.page(c, fiber.StatusOK, "password", "Change your password", passwordPage{Saved: true})
}

type usersPage struct {
	Users   []UserBody
	Total   int
	Q       string
	New     NewUserBody
	Errors  map[string]string
	Created string
}

func (a *App) usersPageData(c *fiber.Ctx, p usersPage) (usersPage, error) {
	p.Q = c.Query("q")
	page, _ := strconv.Atoi(c.Query("page", "1"))
	page = max(page, 1)
	users, total, err := a.store.Users(c.UserContext(), db.UserFilter{Query: p.Q, Limit: 100, Offset: (page - 1) * 100})
	if err != nil {
		return p, err
	}
	p.Total = total
	for _, u := range users {
		p.Users = append(p.Users, userBody(u))
	}
	return p, nil
}

func (a *App) showUsersPage(c *fiber.Ctx) error {
	p, err := a.usersPageData(c, usersPage{Created: c.Query("created")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "users", "Users", p)
}

func (a *App) createUserForm(c *fiber.Ctx) error {
	b := NewUserBody{Username: c.FormValue("username"), DisplayName: c.FormValue("display_name"),
		Email: c.FormValue("email"), Password: c.FormValue("password"), IsAdmin: c.FormValue("is_admin") == "1"}
	u, err := a.createUser(c.UserContext(), b)
	if err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		b.Password = ""
		p, derr := a.usersPageData(c, usersPage{New: b, Errors: errs})
		if derr != nil {
			return derr
		}
		return a.page(c, status, "users", "Users", p)
	}
	return a.redirect(c, "/users?created="+url.QueryEscape(u.Username))
}

type userEditPage struct {
	User   UserBody
	Errors map[string]string
	Saved  bool
}

func (a *App) showUserEditPage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("user_id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	u, err := a.store.User(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "user_edit", "Edit user", userEditPage{User: userBody(u)})
}

func (a *App) editUserForm(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("user_id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	username, display, email := c.FormValue("username"), c.FormValue("display_name"), c.FormValue("email")
	isAdmin, disabled := c.FormValue("is_admin") == "1", c.FormValue("disabled") == "1"
	patch := UserPatchBody{Username: &username, DisplayName: &display, Email: &email, IsAdmin: &isAdmin,
		Disabled: &disabled}
	if pw := c.FormValue("password"); pw != "" {
		patch.Password = &pw
	}
	u, err := a.patchUser(c.UserContext(), id, patch)
	if err != nil {
		return a.rerender(c, err, "user_edit", "Edit user", func(errs map[string]string) any {
			return userEditPage{User: UserBody{ID: id, Username: username, DisplayName: display, Email: email,
				IsAdmin: isAdmin, Disabled: disabled}, Errors: errs}
		})
	}
	return a.page(c, fiber.StatusOK, "user_edit", "Edit user", userEditPage{User: userBody(u), Saved: true})
}
