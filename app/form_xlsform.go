package app

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/app/xlsform"
	"fieldbase/db"
)

// maxFormFileBytes bounds an uploaded form file, XForm or workbook: it is read into memory to be parsed or
// converted. The largest real XLSForms seen (the WHO verbal autopsy, a 12-sheet ODK template) are under 1 MiB.
const maxFormFileBytes = openrosa.MaxDocumentBytes

var downloadXLSFormDoc = huma.Operation{OperationID: "get-form-xlsform", Tags: []string{"Forms"},
	Summary: "Download the XLSForm workbook a version was converted from (current version, or ?version=)",
	Description: "Answers the .xlsx or .xls file as uploaded. 404 when the version was uploaded as XForm XML " +
		"(or added from a ready form)."}

// Leading bytes of the two workbook containers: .xlsx is a zip, .xls an OLE2 compound file.
var (
	zipMagic  = []byte("PK\x03\x04")
	ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// isWorkbook tells a workbook from XML by its content; the file name only decides what a refusal says.
func isWorkbook(data []byte) bool {
	return bytes.HasPrefix(data, zipMagic) || bytes.HasPrefix(data, ole2Magic)
}

// namedWorkbook reports whether the file name says .xlsx or .xls.
func namedWorkbook(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".xlsx" || ext == ".xls"
}

// workbookSource is an uploaded workbook kept beside the version converted from it.
type workbookSource struct {
	name string
	data []byte
	conv *xlsform.Form
}

// formFromUpload turns an uploaded form file into an XForm: XML as it is, a workbook converted. A workbook a
// person must fix is a 422 listing each problem as its own entry (location body.file).
func formFromUpload(data []byte, name string) ([]byte, *workbookSource, error) {
	if !isWorkbook(data) {
		if namedWorkbook(name) {
			return nil, nil, fieldError("file", coded("validation_workbook_kind", "this file is named like a "+
				"workbook but is not an .xlsx or .xls file: save it from your spreadsheet program as Excel Workbook (.xlsx)"))
		}
		return data, nil, nil
	}
	conv, err := xlsform.Convert(data, workbookStem(name))
	var xe *xlsform.Error
	switch {
	case errors.As(err, &xe):
		return nil, nil, workbookError(xe)
	case errors.Is(err, xlsform.ErrNotWorkbook):
		return nil, nil, &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed", Err: err,
			Fields: map[string]validation.Error{"file": coded("validation_form_kind",
				"this file is neither an XForm (.xml) nor an XLSForm workbook (.xlsx, .xls)")}}
	case err != nil:
		return nil, nil, &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed", Err: err,
			Fields: map[string]validation.Error{"file": coded("validation_workbook_unreadable",
				"the workbook could not be read: save it again as .xlsx and retry")}}
	}
	clean, serr := openrosa.SanitizeFilename(name)
	if serr != nil || !namedWorkbook(clean) {
		clean = "form.xlsx"
		if bytes.HasPrefix(data, ole2Magic) {
			clean = "form.xls"
		}
	}
	return conv.XML, &workbookSource{name: clean, data: data, conv: conv}, nil
}

// workbookStem is the file name without folders, as the converter takes it (it derives the form id from it).
func workbookStem(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// workbookError is the 422 for a workbook with problems: one entry per problem, in the workbook's order.
func workbookError(xe *xlsform.Error) *Error {
	e := &Error{Status: http.StatusUnprocessableEntity, Err: xe,
		Message: fmt.Sprintf("the XLSForm has %d problem%s to fix", len(xe.Problems), plural(len(xe.Problems)))}
	for _, p := range xe.Problems {
		e.List = append(e.List, FieldMessage{Field: "file", Message: p.String()})
	}
	return e
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// saveForm parses an XForm and stores it as its form's served version, with the workbook it came from (if any)
// and the files the conversion made as the form's media. Files are written and fsynced before the row commits;
// on any failure, or when the same version already exists with the same bytes, the files written here are
// removed again, so nothing half-written stays.
func (a *App) saveForm(ctx context.Context, xml []byte, src *workbookSource) (db.Form, error) {
	form, err := openrosa.ParseForm(xml)
	if err != nil {
		msg := coded("validation_xform_invalid", "{{.detail}}", "detail", err.Error())
		if src != nil {
			msg = coded("validation_xform_converted_invalid", "the converted form is not a valid XForm: {{.detail}}",
				"detail", err.Error())
		}
		return db.Form{}, &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed", Err: err,
			Fields: map[string]validation.Error{"file": msg}}
	}
	pid := projectFrom(ctx).Project.ID
	sum := md5.Sum(xml)
	row := db.Form{ProjectID: pid, FormID: form.ID, Version: form.Version, Title: form.Title, XML: xml,
		MD5: hex.EncodeToString(sum[:]), CreatedBy: principal(ctx).UserID}
	var written []string
	discard := func() {
		for _, k := range written {
			_ = a.uploads.files.Remove(k)
		}
	}
	var media []db.FormMedia
	if src != nil {
		row.Warnings, row.NeedsMedia = src.conv.Warnings, src.conv.NeedsMedia
		key := fmt.Sprintf("forms/p%d/%s_%s", pid, uuid.NewString(), storage.SafeName(src.name))
		if _, err := a.commitBytes(src.data, key); err != nil {
			return db.Form{}, err
		}
		written = append(written, key)
		row.Source = db.FormSource{Key: key, Name: src.name, Size: int64(len(src.data))}
		if media, written, err = a.commitGenerated(pid, src.conv.Files, written); err != nil {
			discard()
			return db.Form{}, err
		}
	}
	out, replaced, err := a.store.CreateFormWithMedia(ctx, row, media)
	if errors.Is(err, db.ErrConflict) {
		discard()
		return db.Form{}, &Error{Status: http.StatusConflict, Err: err, Message: fmt.Sprintf(
			"form %s version %q exists with other content: give the changed form a new version", form.ID, form.Version)}
	}
	if err != nil || out.ID != 0 && out.Source.Key != row.Source.Key {
		discard() // failed, or the same version was there already: the files written here are not needed
	}
	if err != nil {
		return db.Form{}, err
	}
	for _, k := range replaced {
		_ = a.uploads.files.Remove(k)
	}
	return out, nil
}

// commitBytes writes data under key, fsynced, and returns its size and MD5.
func (a *App) commitBytes(data []byte, key string) (storage.Info, error) {
	tmp, err := a.uploads.files.Write(bytes.NewReader(data), 0, true)
	if err != nil {
		return storage.Info{}, err
	}
	if err := tmp.Commit(key); err != nil {
		return storage.Info{}, err
	}
	return tmp.Info, nil
}

// commitGenerated stores the media files a conversion made (itemsets.csv) and returns their rows; written grows
// with each key committed, for the caller to remove on failure.
func (a *App) commitGenerated(pid int64, files map[string][]byte, written []string) ([]db.FormMedia, []string, error) {
	var media []db.FormMedia
	for name, data := range files {
		clean, err := openrosa.SanitizeFilename(name)
		if err != nil {
			return nil, written, fmt.Errorf("generated media %q: %w", name, err)
		}
		key := fmt.Sprintf("media/p%d/%s_%s", pid, uuid.NewString(), storage.SafeName(clean))
		info, err := a.commitBytes(data, key)
		if err != nil {
			return nil, written, err
		}
		written = append(written, key)
		ct := mime.TypeByExtension(path.Ext(clean))
		if ct == "" {
			ct = info.ContentType
		}
		media = append(media, db.FormMedia{Name: clean, FileKey: key, Size: info.Size, MD5: info.MD5, ContentType: ct})
	}
	return media, written, nil
}

// downloadFormXLSForm answers the workbook a form version was converted from.
func (a *App) downloadFormXLSForm(c *fiber.Ctx) error {
	row, err := a.formVersionFor(c)
	if err != nil {
		return err
	}
	if row.Source.Key == "" {
		return &Error{Status: http.StatusNotFound, Message: "this version was not uploaded as an XLSForm"}
	}
	f, err := a.uploads.files.Open(row.Source.Key)
	if err != nil {
		return err
	}
	ct := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if strings.EqualFold(path.Ext(row.Source.Name), ".xls") {
		ct = "application/vnd.ms-excel"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment",
		map[string]string{"filename": row.Source.Name}))
	return c.SendStream(f, int(row.Source.Size))
}

// formVersionFor is the form version a download route names: ?version= if given, else the served one.
func (a *App) formVersionFor(c *fiber.Ctx) (db.Form, error) {
	ctx := c.UserContext()
	pid := projectFrom(ctx).Project.ID
	if c.Context().QueryArgs().Has("version") {
		return a.store.FormVersion(ctx, pid, pathParam(c, "form_id"), c.Query("version"))
	}
	return a.store.CurrentForm(ctx, pid, pathParam(c, "form_id"))
}
