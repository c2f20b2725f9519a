package app

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
)

// formCard is one form on the forms page: its served version, older versions and media files, and the media
// files the served version names that are not uploaded yet.
type formCard struct {
	Form         FormBody
	Versions     []FormBody
	Media        []MediaBody
	MissingMedia []string
}

// formsPage is the forms page of a project.
type formsPage struct {
	Project   ProjectBody
	Forms     []formCard
	CanManage bool
	Errors    map[string]string
	// Problems are the problems of a refused workbook, listed beside the file field.
	Problems []string
	MediaFor string // the form whose media upload failed
	Saved    string
	// ReadyForms are offered when the project has no form yet.
	ReadyForms []ReadyFormBody
}

func (a *App) formsPageData(c *fiber.Ctx, page formsPage) (formsPage, error) {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	page.Project = projectBody(pa.Project, pa.Role)
	page.CanManage = taskflow.RoleAtLeast(pa.Role, taskflow.RoleProjectManager)
	list, err := a.apiListForms(ctx, &struct {
		ID int64 `path:"id"`
	}{ID: pa.Project.ID})
	if err != nil {
		return page, err
	}
	for _, f := range list.Body.Items {
		card := formCard{Form: f}
		versions, err := a.store.FormVersions(ctx, pa.Project.ID, f.FormID)
		if err != nil {
			return page, err
		}
		for _, v := range versions {
			card.Versions = append(card.Versions, formBody(v))
		}
		media, err := a.store.FormMediaList(ctx, pa.Project.ID, f.FormID)
		if err != nil {
			return page, err
		}
		have := map[string]bool{}
		for _, m := range media {
			card.Media = append(card.Media, MediaBody{Name: m.Name, Size: m.Size, Hash: "md5:" + m.MD5})
			have[m.Name] = true
		}
		for _, n := range f.NeedsMedia {
			if !have[n] {
				card.MissingMedia = append(card.MissingMedia, n)
			}
		}
		page.Forms = append(page.Forms, card)
	}
	if len(page.Forms) == 0 && page.CanManage {
		page.ReadyForms = readyForms()
	}
	return page, nil
}

// showFormsPage lists a project's forms with their versions and media; project managers also upload here.
func (a *App) showFormsPage(c *fiber.Ctx) error {
	page, err := a.formsPageData(c, formsPage{Saved: c.Query("saved")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "project_forms", "Forms", page)
}

// uploadFormPage uploads an XForm through the API's streamed upload handler: a failure re-renders the page with
// the message beside the file field, success goes back to the list. htmx sends it (hx-encoding multipart),
// because only a header can carry the CSRF token of a body that is read as a stream.
func (a *App) uploadFormPage(c *fiber.Ctx) error {
	return a.viaUpload(c, a.uploadForm, "", func(body []byte) string {
		var f FormBody
		_ = json.Unmarshal(body, &f)
		return a.tr(c).T("forms.flash.uploaded", "Name", formName(a.tr(c), "", f.FormID, f.Version))
	})
}

// uploadMediaPage uploads a media file of a form through the API's handler, like uploadFormPage.
func (a *App) uploadMediaPage(c *fiber.Ctx) error {
	formID := pathParam(c, "form_id")
	if _, err := a.store.CurrentForm(c.UserContext(), projectFrom(c.UserContext()).Project.ID, formID); err != nil {
		return err
	}
	return a.viaUpload(c, a.uploadFormMedia, formID, func(body []byte) string {
		var m MediaBody
		_ = json.Unmarshal(body, &m)
		return a.tr(c).T("forms.flash.media_added", "Name", m.Name, "Form", formID)
	})
}

// viaUpload runs an API upload handler on this request and turns its JSON answer into the page's answer.
func (a *App) viaUpload(c *fiber.Ctx, upload fiber.Handler, mediaFor string, saved func([]byte) string) error {
	if err := upload(c); err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		var problems []string
		if ae := (*Error)(nil); errors.As(err, &ae) && len(ae.List) > 0 {
			for _, m := range ae.List {
				problems = append(problems, m.Message)
			}
			errs = map[string]string{"file": a.tr(c).N("forms.error.workbook_problems", len(problems))}
		}
		c.Response().ResetBody()
		page, derr := a.formsPageData(c, formsPage{Errors: errs, Problems: problems, MediaFor: mediaFor})
		if derr != nil {
			return derr
		}
		return a.page(c, status, "project_forms", "Forms", page)
	}
	msg := saved(append([]byte(nil), c.Response().Body()...))
	c.Response().ResetBody()
	c.Response().Header.SetContentType(fiber.MIMETextPlainCharsetUTF8)
	return a.redirect(c, fmt.Sprintf("/projects/%d/forms?saved=%s", projectFrom(c.UserContext()).Project.ID,
		urlQueryEscape(msg)))
}

// addReadyFormPage adds a ready form as the project's form and goes back to the forms page.
func (a *App) addReadyFormPage(c *fiber.Ctx) error {
	row, err := a.addReadyForm(c.UserContext(), pathParam(c, "name"))
	if err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d/forms?saved=%s", row.ProjectID,
		urlQueryEscape(a.tr(c).T("forms.flash.added", "Name", formName(a.tr(c), row.Title, row.FormID, "")))))
}
