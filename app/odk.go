package app

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/auth"
	"fieldbase/app/openrosa"
	"fieldbase/db"
)

// The OpenRosa 1.0 server ODK Collect talks to, under /odk/{token}: the device token (one per phone, bound to
// one project) is the only credential. Every answer is XML with the X-OpenRosa-Version and Date headers; errors
// are OpenRosa messages, not problem documents.

const collectTokenKey ctxKey = "collect_token"

// odkRoutes mounts the OpenRosa routes.
func (a *App) odkRoutes(f *fiber.App) {
	g := f.Group("/odk/:token", a.odkAuth)
	g.Get("/formList", a.odkFormList)
	g.Get("/forms/:form_id/form.xml", a.odkFormXML)
	g.Get("/forms/:form_id/manifest", a.odkManifest)
	g.Get("/forms/:form_id/media/:name", a.odkMedia)
	g.Get("/submission", a.odkSubmissionHead) // HEAD runs the GET route (headAsGet)
	g.Post("/submission", a.odkSubmit)
}

// odkAuth resolves the device token. An unknown and a revoked token get the same 401.
func (a *App) odkAuth(c *fiber.Ctx) error {
	openRosaHeaders(c)
	tok, err := a.store.CollectTokenByHash(c.UserContext(), auth.HashToken(c.Params("token")))
	if errors.Is(err, db.ErrNotFound) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="fieldbase"`)
		return odkWrite(c, http.StatusUnauthorized, "this device token is not valid; scan the project's QR code again")
	}
	if err != nil {
		return a.odkError(c, err)
	}
	c.Locals(collectTokenKey, tok)
	return c.Next()
}

func collectToken(c *fiber.Ctx) db.CollectToken {
	t, _ := c.Locals(collectTokenKey).(db.CollectToken)
	return t
}

func openRosaHeaders(c *fiber.Ctx) {
	c.Set("X-OpenRosa-Version", "1.0")
	c.Set(fiber.HeaderDate, time.Now().UTC().Format(http.TimeFormat))
}

// odkWrite answers an OpenRosa message; statuses of 400 and above are error messages.
func odkWrite(c *fiber.Ctx, status int, msg string) error {
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	if status >= 400 {
		return c.Status(status).Send(openrosa.ErrorResponseXML(msg))
	}
	return c.Status(status).Send(openrosa.ResponseXML(msg))
}

// odkError turns any error into an OpenRosa message through the one error table.
func (a *App) odkError(c *fiber.Ctx, err error) error {
	status, msg, _ := classify(err)
	logError(c.UserContext(), a.log, status, err)
	return odkWrite(c, status, msg)
}

func odkBase(c *fiber.Ctx) string {
	return c.BaseURL() + "/odk/" + url.PathEscape(c.Params("token"))
}

func (a *App) odkFormList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tok := collectToken(c)
	forms, err := a.store.Forms(ctx, tok.ProjectID)
	if err != nil {
		return a.odkError(c, err)
	}
	base := odkBase(c)
	items := make([]openrosa.FormListItem, 0, len(forms))
	for _, f := range forms {
		media, err := a.store.FormMediaList(ctx, tok.ProjectID, f.FormID)
		if err != nil {
			return a.odkError(c, err)
		}
		it := openrosa.FormListItem{FormID: f.FormID, Name: f.Title, Version: f.Version, MD5: f.MD5,
			DownloadURL: base + "/forms/" + url.PathEscape(f.FormID) + "/form.xml"}
		if len(media) > 0 {
			it.ManifestURL = base + "/forms/" + url.PathEscape(f.FormID) + "/manifest"
		}
		items = append(items, it)
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(openrosa.FormListXML(items))
}

func (a *App) odkFormXML(c *fiber.Ctx) error {
	f, err := a.store.CurrentForm(c.UserContext(), collectToken(c).ProjectID, pathParam(c, "form_id"))
	if err != nil {
		return a.odkError(c, err)
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(f.XML)
}

func (a *App) odkManifest(c *fiber.Ctx) error {
	ctx, pid, formID := c.UserContext(), collectToken(c).ProjectID, pathParam(c, "form_id")
	if _, err := a.store.CurrentForm(ctx, pid, formID); err != nil {
		return a.odkError(c, err)
	}
	media, err := a.store.FormMediaList(ctx, pid, formID)
	if err != nil {
		return a.odkError(c, err)
	}
	base := odkBase(c) + "/forms/" + url.PathEscape(formID) + "/media/"
	files := make([]openrosa.MediaFile, 0, len(media))
	for _, m := range media {
		files = append(files, openrosa.MediaFile{Filename: m.Name, MD5: m.MD5, DownloadURL: base + url.PathEscape(m.Name)})
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(openrosa.ManifestXML(files))
}

func (a *App) odkMedia(c *fiber.Ctx) error {
	m, err := a.store.FormMediaFile(c.UserContext(), collectToken(c).ProjectID, pathParam(c, "form_id"),
		pathParam(c, "name"))
	if err != nil {
		return a.odkError(c, err)
	}
	return a.sendFile(c, m.FileKey, m.Name, m.ContentType, m.Size)
}

func (a *App) odkSubmissionHead(c *fiber.Ctx) error {
	c.Set("X-OpenRosa-Accept-Content-Length", strconv.FormatInt(a.uploads.maxRequest, 10))
	return c.SendStatus(http.StatusNoContent)
}

func (a *App) odkSubmit(c *fiber.Ctx) error {
	c.Set("X-OpenRosa-Accept-Content-Length", strconv.FormatInt(a.uploads.maxRequest, 10))
	mr, err := multipartBody(c, a.uploads.maxRequest)
	if err != nil {
		return a.odkError(c, err)
	}
	r, err := a.uploads.readParts(mr, "xml_submission_file", "", "")
	if err != nil {
		return a.odkError(c, err)
	}
	tok := collectToken(c)
	got, err := a.collect.Ingest(c.UserContext(), r, db.Submission{ProjectID: tok.ProjectID, CollectTokenID: tok.ID},
		tok.Name)
	if err != nil {
		return a.odkError(c, err)
	}
	msg := "full submission received"
	if !got.Created {
		msg = "submission already received; " + strconv.Itoa(got.Files) + " new attachment(s) stored"
	}
	return odkWrite(c, http.StatusCreated, msg)
}

// sendFile streams a stored file as a download, with its type and nosniff (browsers must not guess otherwise).
func (a *App) sendFile(c *fiber.Ctx, key, name, contentType string, size int64) error {
	f, err := a.uploads.files.Open(key)
	if err != nil {
		return err
	}
	// Sniffing cannot tell CSV, GeoJSON or MP4 from text or binary: the extension is more precise then.
	if contentType == "" || contentType == "application/octet-stream" || strings.HasPrefix(contentType, "text/plain") {
		if t := mime.TypeByExtension(path.Ext(name)); t != "" {
			contentType = t
		}
	}
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return c.SendStream(f, int(size))
}

// pathParam is a path parameter decoded from its URL escaping (Fiber hands it over as sent): file names and
// form ids may hold spaces.
func pathParam(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if s, err := url.PathUnescape(v); err == nil {
		return s
	}
	return v
}
