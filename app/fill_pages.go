package app

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/auth"
	"fieldbase/app/openrosa"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// Filling forms in the browser with ODK Web Forms: a page per form for signed-in members (it submits to the REST
// route with the session cookie and the CSRF header) and the same page under a device token for phones without
// an account (it reads and submits through the OpenRosa routes under /odk/{token}). The filled instance goes to
// the outbox (web/static/js/outbox.js) when the page has it, else straight to the server; either way it takes the
// same ingest path as ODK Collect's submissions.

// fillConfig is what web/static/js/fill.js needs, written into the page as JSON.
type fillConfig struct {
	ProjectID int64  `json:"projectId"`
	FormID    string `json:"formId"`
	Version   string `json:"formVersion"`
	Title     string `json:"formTitle"`
	PageURL   string `json:"pageUrl"`
	FormURL   string `json:"formUrl"`
	// MediaURLs maps each media file of the form to the URL it is read from.
	MediaURLs map[string]string `json:"mediaUrls"`
	SubmitURL string            `json:"submitUrl"`
	XMLField  string            `json:"xmlField"`
	// AttachmentField names the multipart field of attachments; "" names each part by its file name (OpenRosa).
	AttachmentField string            `json:"attachmentField"`
	Headers         map[string]string `json:"headers"`
	// Prefill sets fields of the primary instance by name (task_id, feature_id) before the form starts.
	Prefill   map[string]string `json:"prefill"`
	TaskIndex *int              `json:"taskIndex"`
	FeatureID *int64            `json:"featureId"`
	Username  string            `json:"username,omitempty"`
	OutboxURL string            `json:"outboxUrl"`
	// Member is true on a signed-in member's page: only then are the project's tasks and the member's basemap
	// tiles kept for offline use (a device link reads neither).
	Member bool `json:"member"`
}

// fillPage is the fill page: the form's title, where "back" goes, the notes about linking, the config for the
// script and the static files the page loads (for the offline cache).
type fillPage struct {
	FormTitle string
	Project   string
	BackURL   string
	BackLabel string
	Device    string // the device token's name on the device-link variant
	Notes     []string
	Config    fillConfig
	Assets    []string
}

// fillAssetFiles are the static files the fill page loads besides the layout's, under web/static. The Web Forms
// bundle is imported as ES modules by stable, unhashed URLs (its chunks import each other by those).
var fillModuleFiles = []string{"vendor/web-forms/web-forms.js", "vendor/web-forms/web-forms-core.js",
	"vendor/web-forms/web-forms-map.js", "vendor/web-forms/vue.runtime.esm-browser.prod.js"}

// fillAssets lists every static URL the fill page requests, as it requests them.
func (a *App) fillAssets() ([]string, error) {
	var out []string
	for _, p := range []string{"css/app.css", "css/fill.css", "img/favicon.svg", "vendor/htmx.min.js", "js/app.js",
		"js/fill.js"} {
		u, err := a.static.url(p)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	for _, p := range fillModuleFiles {
		out = append(out, "/static/"+p)
	}
	return append(out, "/static/js/outbox.js"), nil
}

// fillPolicy is the page's Content-Security-Policy: the site's, plus WebAssembly, which the Web Forms engine
// compiles (its XPath parser, tree-sitter) from the bundle itself.
func (a *App) fillPolicy(c *fiber.Ctx) {
	p := a.online.policy()
	c.Set("Content-Security-Policy", strings.Replace(p, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1))
}

// fillBase builds what both variants share from the form's current version.
func (a *App) fillBase(c *fiber.Ctx, pid int64, row db.Form, formURL, mediaBase string) (fillPage, error) {
	ctx := c.UserContext()
	media, err := a.store.FormMediaList(ctx, pid, row.FormID)
	if err != nil {
		return fillPage{}, err
	}
	cfg := fillConfig{ProjectID: pid, FormID: row.FormID, Version: row.Version, Title: row.Title,
		PageURL: c.Path(), FormURL: formURL, MediaURLs: map[string]string{}, Headers: map[string]string{},
		Prefill: map[string]string{}, OutboxURL: "/outbox"}
	for _, m := range media {
		cfg.MediaURLs[m.Name] = mediaBase + url.PathEscape(m.Name)
	}
	assets, err := a.fillAssets()
	if err != nil {
		return fillPage{}, err
	}
	return fillPage{FormTitle: formName(a.tr(c), row.Title, row.FormID, ""), Config: cfg, Assets: assets}, nil
}

// showFillPage is the fill page for a signed-in member (mapper and above): ?task=INDEX and &feature=ID pre-fill
// the form's task_id and feature_id fields, which link the submission to them.
func (a *App) showFillPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	row, err := a.store.CurrentForm(ctx, pa.Project.ID, pathParam(c, "form_id"))
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, "this project has no such form")
	}
	if err != nil {
		return err
	}
	api := fmt.Sprintf("/api/v1/projects/%d/forms/%s", pa.Project.ID, url.PathEscape(row.FormID))
	page, err := a.fillBase(c, pa.Project.ID, row, api+".xml", api+"/media/")
	if err != nil {
		return err
	}
	page.Project = pa.Project.Name
	page.BackURL, page.BackLabel = fmt.Sprintf("/projects/%d", pa.Project.ID), a.tr(c).T("common.back_to", "Name", pa.Project.Name)
	cfg := &page.Config
	cfg.SubmitURL = fmt.Sprintf("/api/v1/projects/%d/submissions", pa.Project.ID)
	cfg.XMLField, cfg.AttachmentField, cfg.Member = "submission_xml", "attachments", true
	if p := principal(ctx); p != nil {
		cfg.Username = p.Username
		if p.ViaCookie {
			cfg.Headers[csrfHeader] = p.csrf
		}
	}
	if err := a.fillLinks(c, pa.Project.ID, row, &page); err != nil {
		return err
	}
	a.fillPolicy(c)
	return a.page(c, fiber.StatusOK, "fill", page.FormTitle, page)
}

// fillLinks reads ?task= and &feature=, checks them against the project, and pre-fills the form's task_id and
// feature_id fields; a form without such a field gets a note that the submission cannot be linked by it.
func (a *App) fillLinks(c *fiber.Ctx, pid int64, row db.Form, page *fillPage) error {
	ctx := c.UserContext()
	cfg := &page.Config
	form, err := a.collect.ParsedForm(row)
	if err != nil {
		return err
	}
	if q := c.Query("task"); q != "" {
		index, err := strconv.Atoi(q)
		if err != nil || index < 1 {
			return errorf(http.StatusNotFound, "no such task")
		}
		t, err := a.store.Task(ctx, pid, index)
		if errors.Is(err, db.ErrNotFound) {
			return errorf(http.StatusNotFound, "no such task")
		}
		if err != nil {
			return err
		}
		cfg.TaskIndex = &index
		page.BackURL, page.BackLabel = fmt.Sprintf("/projects/%d?task=%d", pid, index), a.tr(c).T("fill.back_task", "Index", index)
		if form.HasField("task_id") {
			cfg.Prefill["task_id"] = strconv.FormatInt(t.ID, 10)
		} else {
			page.Notes = append(page.Notes, a.tr(c).T("fill.note_no_task_id", "Index", index))
		}
	}
	if q := c.Query("feature"); q != "" {
		fid, err := strconv.ParseInt(q, 10, 64)
		if err != nil || fid < 1 {
			return errorf(http.StatusNotFound, "no such feature")
		}
		if _, err := a.store.Feature(ctx, pid, fid); errors.Is(err, db.ErrNotFound) {
			return errorf(http.StatusNotFound, "no such feature")
		} else if err != nil {
			return err
		}
		cfg.FeatureID = &fid
		if form.HasField("feature_id") {
			cfg.Prefill["feature_id"] = strconv.FormatInt(fid, 10)
		} else {
			page.Notes = append(page.Notes, a.tr(c).T("fill.note_no_feature_id", "ID", fid))
		}
	}
	return nil
}

// deviceLinkAuth resolves the device token of a browser page under /odk/{token}: an unknown or revoked token gets
// a page that says so (401), not the OpenRosa XML ODK Collect reads.
func (a *App) deviceLinkAuth(c *fiber.Ctx) error {
	tok, err := a.store.CollectTokenByHash(c.UserContext(), auth.HashToken(c.Params("token")))
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusUnauthorized, "this device link is not valid: it was revoked or mistyped. "+
			"Ask the project's coordinator for a new link or QR code")
	}
	if err != nil {
		return err
	}
	c.Locals(collectTokenKey, tok)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "no-referrer") // the token is in the URL
	return c.Next()
}

// deviceFormsPage lists the forms a device link may fill.
type deviceFormsPage struct {
	Project string
	Device  string
	Base    string
	Forms   []FormBody
}

// showDeviceFormsPage lists the project's forms for a phone's browser opened on the device link.
func (a *App) showDeviceFormsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tok := collectToken(c)
	p, err := a.store.Project(ctx, tok.ProjectID)
	if err != nil {
		return err
	}
	forms, err := a.store.Forms(ctx, tok.ProjectID)
	if err != nil {
		return err
	}
	page := deviceFormsPage{Project: p.Name, Device: tok.Name, Base: "/odk/" + url.PathEscape(c.Params("token"))}
	for _, f := range forms {
		page.Forms = append(page.Forms, formBody(f))
	}
	return a.page(c, fiber.StatusOK, "fill_forms", a.tr(c).T("fill.forms_title", "Name", p.Name), page)
}

// showDeviceFillPage is the fill page under a device token: the form and its media come from the routes ODK
// Collect uses, and the instance goes to /odk/{token}/submission.
func (a *App) showDeviceFillPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tok := collectToken(c)
	row, err := a.store.CurrentForm(ctx, tok.ProjectID, pathParam(c, "form_id"))
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, "this project has no such form")
	}
	if err != nil {
		return err
	}
	base := "/odk/" + url.PathEscape(c.Params("token"))
	formBase := base + "/forms/" + url.PathEscape(row.FormID)
	page, err := a.fillBase(c, tok.ProjectID, row, formBase+"/form.xml", formBase+"/media/")
	if err != nil {
		return err
	}
	p, err := a.store.Project(ctx, tok.ProjectID)
	if err != nil {
		return err
	}
	page.Project, page.Device = p.Name, tok.Name
	page.BackURL, page.BackLabel = base, a.tr(c).T("fill.all_forms", "Name", p.Name)
	cfg := &page.Config
	cfg.SubmitURL, cfg.XMLField = base+"/submission", "xml_submission_file"
	cfg.Headers["X-OpenRosa-Version"] = "1.0"
	a.fillPolicy(c)
	return a.page(c, fiber.StatusOK, "fill", page.FormTitle, page)
}

// downloadFormMedia serves a media file of a form's current version to members (the fill page reads it).
func (a *App) downloadFormMedia(c *fiber.Ctx) error {
	m, err := a.store.FormMediaFile(c.UserContext(), projectFrom(c.UserContext()).Project.ID, pathParam(c, "form_id"),
		pathParam(c, "name"))
	if err != nil {
		return err
	}
	return a.sendFile(c, m.FileKey, m.Name, m.ContentType, m.Size)
}

var (
	formMediaDoc = huma.Operation{OperationID: "get-form-media", Tags: []string{"Forms"},
		Summary: "Download a media file of a form's current version (images, CSV lists), as the fill page reads it"}
	browserQRDoc = huma.Operation{OperationID: "get-collect-token-browser-qr", Tags: []string{"Forms"},
		Summary: "QR code (PNG) of a device token's browser link, for phones that fill forms in the browser"}
)

// deviceBrowserLink is the address a phone's browser opens for a device token: the HTTPS address when LAN
// HTTPS is on (location, camera and offline use need a secure context), else the plain one.
func (a *App) deviceBrowserLink(pa phoneAddress, token string) string {
	base := browserBase(pa)
	if s := a.secureURL(base); s != "" {
		base = s
	}
	return base + "/odk/" + token
}

// collectBrowserQR draws the QR code of a device token's browser link.
func (a *App) collectBrowserQR(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return errorf(http.StatusNotFound, "no such token")
	}
	t, err := a.store.CollectToken(ctx, projectFrom(ctx).Project.ID, tid)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return errorf(http.StatusGone, "this token was revoked")
	}
	png, err := openrosa.CollectQRPNG(a.deviceBrowserLink(a.phoneAddress(ctx, c.Query("base")),
		a.uploads.collectTokenFor(t.Nonce)), 512)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}

// fillForms are the forms the caller may fill in the browser from a task or feature panel: the project's forms
// for mappers and above, none for others.
func (a *App) fillForms(c *fiber.Ctx) ([]db.Form, error) {
	pa := projectFrom(c.UserContext())
	if principal(c.UserContext()) == nil || !taskflow.RoleAtLeast(pa.Role, taskflow.RoleMapper) {
		return nil, nil
	}
	return a.store.Forms(c.UserContext(), pa.Project.ID)
}
