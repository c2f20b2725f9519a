package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

// ViewData is what every page template receives.
type ViewData struct {
	Title     string
	User      *ViewUser
	CSRFToken string
	SiteName  string
	Flash     string
	Page      any
	// TrustLink: the server serves HTTPS with its local certificate authority, so the footer links its page.
	TrustLink bool
	// Path is the page's own address, where the footer's language switcher comes back to.
	Path string
}

// ViewUser is the signed-in person as pages show them.
type ViewUser struct {
	Username    string
	DisplayName string
	IsAdmin     bool
	// Unread counts the person's unread notifications (the bell).
	Unread int
}

// templates holds one parsed set per page: the layout and partials plus that page, so that pages can each
// define the same block names.
type templates struct {
	pages map[string]*template.Template
}

// parseTemplates parses every template at start-up, so that a missing or broken one stops the boot instead of
// failing in front of a user.
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (*templates, error) {
	base := template.New("").Funcs(funcs)
	for _, glob := range []string{"layout/*.html", "partials/*.html"} {
		matches, err := fs.Glob(fsys, glob)
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("templates: nothing matches %s", glob)
		}
		if base, err = base.ParseFS(fsys, glob); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
	}
	pages, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, p := range pages {
		set, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if set, err = set.ParseFS(fsys, p); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		t.pages[strings.TrimSuffix(path.Base(p), ".html")] = set
	}
	for _, required := range []string{"home", "error", "docs", "redoc"} {
		if t.pages[required] == nil {
			return nil, fmt.Errorf("templates: pages/%s.html is missing", required)
		}
	}
	return t, nil
}

// execute runs the named template of a page into a buffer, so that a template error never sends half a page.
func (t *templates) execute(page, name string, data any) ([]byte, error) {
	set := t.pages[page]
	if set == nil {
		return nil, fmt.Errorf("no page template %q", page)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isHTMX reports whether the request comes from htmx (which swaps part of the page).
func isHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// wantsProblem reports whether an error on this request is answered as problem JSON: every /api request.
func wantsProblem(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// viewData fills the data every page needs.
func (a *App) viewData(c *fiber.Ctx, title string, page any) ViewData {
	site := "Fieldbase"
	s, err := a.requestSettings(c)
	switch {
	case err != nil:
		// The page still renders, under the default name; the cause must not go unseen.
		a.log.WarnContext(c.UserContext(), "site settings not read", "request_id", stringLocal(c, requestIDKey),
			"err", err)
	case s.SiteName != "":
		site = s.SiteName
	}
	vd := ViewData{Title: title, SiteName: site, Page: page, TrustLink: a.lanHTTPS(), Path: c.OriginalURL()}
	if p := principal(c.UserContext()); p != nil {
		vd.User = &ViewUser{Username: p.Username, DisplayName: p.DisplayName, IsAdmin: p.IsAdmin}
		vd.CSRFToken = p.csrf
		if n, err := a.store.UnreadCount(c.UserContext(), p.UserID); err == nil {
			vd.User.Unread = n
		}
	}
	return vd
}

// page renders a full page, or only its content block for an htmx request.
func (a *App) page(c *fiber.Ctx, status int, name, title string, data any) error {
	vd := a.viewData(c, title, data)
	tmpl := "layout"
	if isHTMX(c) {
		tmpl = "content"
	}
	body, err := a.execute(c, name, tmpl, vd)
	if err != nil {
		return err
	}
	c.Status(status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// renderError shows an error as a partial to htmx and as a page to a browser.
func (a *App) renderError(c *fiber.Ctx, p *huma.ErrorModel, cause error) error {
	data := struct {
		Status  int
		Title   string
		Message string
	}{p.Status, a.tr(c).T("error.status", "Status", p.Status), errorPageMessage(a.tr(c), cause)}
	var (
		body []byte
		err  error
	)
	if isHTMX(c) {
		body, err = a.execute(c, "error", "error_partial", data)
	} else {
		body, err = a.execute(c, "error", "layout", a.viewData(c, data.Title, data))
	}
	if err != nil {
		a.log.Error("error page failed", "err", err)
		return c.Status(p.Status).SendString(p.Title)
	}
	c.Status(p.Status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// errorPageMessage is what the error page says about err, in l's language: its message, and each field's.
func errorPageMessage(l loc, err error) string {
	_, msg, fields := judge(err)
	if len(fields) == 0 {
		return l.word(msg)
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	lines := make([]string, 0, len(names))
	for _, f := range names {
		lines = append(lines, f+": "+l.word(fields[f]))
	}
	return strings.Join(lines, "; ")
}

// writeProblem writes an RFC 9457 problem document.
func writeProblem(c *fiber.Ctx, p *huma.ErrorModel) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.Status(p.Status).Set(fiber.HeaderContentType, "application/problem+json")
	return c.Send(body)
}
