package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// FormBody is a form as the API shows it: its current version, and its fields when asked for one form.
type FormBody struct {
	FormID    string      `json:"form_id"`
	Version   string      `json:"version"`
	Title     string      `json:"title"`
	Hash      string      `json:"hash" doc:"OpenRosa form hash: md5:<hex> of the XForm bytes"`
	CreatedAt time.Time   `json:"created_at"`
	Fields    []FieldBody `json:"fields,omitempty"`
	Media     []MediaBody `json:"media,omitempty"`
	// XLSForm is the workbook the version was converted from, absent for a version uploaded as XML.
	XLSForm *XLSFormBody `json:"xlsform,omitempty"`
	// Warnings are what the XLSForm conversion warned about.
	Warnings []string `json:"warnings,omitempty"`
	// NeedsMedia names the media files the form refers to that the workbook could not hold.
	NeedsMedia []string `json:"needs_media,omitempty" doc:"Media files the form refers to that the workbook could not hold: upload them as form media"`
}

// XLSFormBody is the original workbook of a form version.
type XLSFormBody struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url" doc:"where to download it"`
}

// FieldBody is one leaf of a form's primary instance.
type FieldBody struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Repeat bool   `json:"repeat,omitempty"`
}

// MediaBody is a form media file.
type MediaBody struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Hash string `json:"hash"`
}

// FormListBody is a project's forms.
type FormListBody struct {
	Items []FormBody `json:"items"`
	Total int        `json:"total"`
}

var (
	listFormsOp = huma.Operation{OperationID: "list-forms", Tags: []string{"Forms"},
		Summary: "List a project's forms (their current versions)",
		Errors:  []int{http.StatusNotFound}}
	getFormOp = huma.Operation{OperationID: "get-form", Tags: []string{"Forms"},
		Summary: "Show a form: title, version, fields as a flat list of paths and types, media",
		Errors:  []int{http.StatusNotFound}}
	uploadFormDoc = huma.Operation{OperationID: "upload-form", Tags: []string{"Forms"},
		Summary: "Upload an XForm or an XLSForm (multipart field file); a new version replaces the served one",
		Description: "The file is an XForm (.xml) or an XLSForm workbook (.xlsx, .xls, told apart by content), " +
			"at most 16 MiB. A workbook is converted to an XForm inside the server and kept with the version " +
			"(see get-form-xlsform); media files the conversion makes (itemsets.csv) are added to the form, and " +
			"needs_media lists those to upload. Answers 201 with the form. 422 names what the XForm lacks, or lists " +
			"each problem of a workbook as its own entry of errors (\"survey row 14, column type: ...\"); 409 " +
			"when the same version exists with other content."}
	formXMLDoc = huma.Operation{OperationID: "get-form-xml", Tags: []string{"Forms"},
		Summary: "Download the XForm of the current version (or ?version=)"}
	uploadMediaDoc = huma.Operation{OperationID: "upload-form-media", Tags: []string{"Forms"},
		Summary: "Upload a form media file (multipart field file), listed in the form's manifest"}
)

// FormPath names a form of a project.
type FormPath struct {
	ID     int64  `path:"id"`
	FormID string `path:"form_id" maxLength:"255"`
}

func formBody(f db.Form) FormBody {
	b := FormBody{FormID: f.FormID, Version: f.Version, Title: f.Title, Hash: "md5:" + f.MD5,
		CreatedAt: f.CreatedAt.UTC(), Warnings: f.Warnings, NeedsMedia: f.NeedsMedia}
	if f.Source.Key != "" {
		b.XLSForm = &XLSFormBody{Name: f.Source.Name, Size: f.Source.Size, URL: fmt.Sprintf(
			"/api/v1/projects/%d/forms/%s/xlsform?version=%s", f.ProjectID, url.PathEscape(f.FormID),
			url.QueryEscape(f.Version))}
	}
	return b
}

func (a *App) apiListForms(ctx context.Context, _ *struct {
	ID int64 `path:"id"`
}) (*struct{ Body FormListBody }, error) {
	forms, err := a.store.Forms(ctx, projectFrom(ctx).Project.ID)
	if err != nil {
		return nil, err
	}
	out := &struct{ Body FormListBody }{Body: FormListBody{Items: make([]FormBody, 0, len(forms)), Total: len(forms)}}
	for _, f := range forms {
		out.Body.Items = append(out.Body.Items, formBody(f))
	}
	return out, nil
}

func (a *App) apiGetForm(ctx context.Context, in *FormPath) (*struct{ Body FormBody }, error) {
	pid := projectFrom(ctx).Project.ID
	row, err := a.store.CurrentForm(ctx, pid, in.FormID)
	if err != nil {
		return nil, err
	}
	form, err := a.collect.ParsedForm(row)
	if err != nil {
		return nil, err
	}
	media, err := a.store.FormMediaList(ctx, pid, in.FormID)
	if err != nil {
		return nil, err
	}
	b := formBody(row)
	b.Fields = make([]FieldBody, 0, len(form.Fields))
	for _, f := range form.Fields {
		b.Fields = append(b.Fields, FieldBody{Path: f.Path, Type: f.Type, Repeat: f.Repeat})
	}
	for _, m := range media {
		b.Media = append(b.Media, MediaBody{Name: m.Name, Size: m.Size, Hash: "md5:" + m.MD5})
	}
	return &struct{ Body FormBody }{Body: b}, nil
}

// singleFile reads the multipart part named field into a temporary file (the caller commits or discards it).
func (a *App) singleFile(c *fiber.Ctx, field string) (*storage.Temp, string, error) {
	mr, err := multipartBody(c, a.uploads.maxRequest)
	if err != nil {
		return nil, "", err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", fieldError(field, coded("validation_file_required", "a file is required"))
		}
		if err != nil {
			return nil, "", bodyError(err)
		}
		if p.FormName() != field {
			continue
		}
		tmp, err := a.uploads.files.Write(p, a.uploads.maxFile, true)
		if errors.Is(err, storage.ErrTooLarge) {
			return nil, "", errTooLarge
		}
		if err != nil {
			return nil, "", bodyError(err)
		}
		return tmp, fileName(p), nil
	}
}

// uploadForm validates an XForm, or converts an XLSForm, and stores it as the form's served version.
func (a *App) uploadForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	mr, err := multipartBody(c, a.uploads.maxRequest)
	if err != nil {
		return err
	}
	var (
		data []byte
		name string
	)
	for data == nil {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fieldError("file", coded("validation_form_file_required", "an XForm or XLSForm file is required"))
		}
		if err != nil {
			return bodyError(err)
		}
		if p.FormName() == "file" {
			name = fileName(p)
			if data, err = readFormPart(p); err != nil {
				return bodyError(err)
			}
		}
	}
	xml, src, err := formFromUpload(data, name)
	if err != nil {
		return err
	}
	row, err := a.saveForm(ctx, xml, src)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(formBody(row))
}

// readFormPart reads an uploaded form file, at most maxFormFileBytes (413 beyond).
func readFormPart(p io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFormFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFormFileBytes {
		return nil, errTooLarge
	}
	return b, nil
}

func (a *App) downloadFormXML(c *fiber.Ctx) error {
	row, err := a.formVersionFor(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml")
	return c.Send(row.XML)
}

// uploadFormMedia stores a media file of a form: renamed into place before its row commits.
func (a *App) uploadFormMedia(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tmp, name, err := a.singleFile(c, "file")
	if err != nil {
		return err
	}
	if name, err = openrosa.SanitizeFilename(name); err != nil {
		tmp.Discard()
		return fieldError("file", coded("validation_file_name", "{{.detail}}", "detail", err.Error()))
	}
	pid := projectFrom(ctx).Project.ID
	key := fmt.Sprintf("media/p%d/%s_%s", pid, uuid.NewString(), storage.SafeName(name))
	if err := tmp.Commit(key); err != nil {
		return err
	}
	m, replaced, err := a.store.PutFormMedia(ctx, db.FormMedia{ProjectID: pid, FormID: pathParam(c, "form_id"),
		Name: name, FileKey: key, Size: tmp.Info.Size, MD5: tmp.Info.MD5, ContentType: tmp.Info.ContentType})
	if err != nil {
		_ = a.uploads.files.Remove(key)
		return err
	}
	if replaced != "" {
		_ = a.uploads.files.Remove(replaced)
	}
	return c.Status(http.StatusCreated).JSON(MediaBody{Name: m.Name, Size: m.Size, Hash: "md5:" + m.MD5})
}
