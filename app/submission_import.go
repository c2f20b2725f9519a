package app

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/collect"
	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// The outbox ZIP (web/static/js/outbox.js exportZip; README "Offline collection in the browser"): manifest.json
// and one directory per item, NNNN-<instanceID made safe>/, holding submission.xml and its attachments. Importing
// one puts every item through the same ingest as any other submission, so importing it twice adds nothing.

const (
	outboxZipFormat = "fieldbase-outbox/1"
	// importMaxEntries bounds the files of an archive; importMaxManifest its manifest.json.
	importMaxEntries  = 20000
	importMaxManifest = 8 << 20
)

// importDirRE is an item's directory as exportZip names it.
var importDirRE = regexp.MustCompile(`^[0-9]{1,9}-[A-Za-z0-9._-]{1,200}$`)

var importSubmissionsDoc = huma.Operation{OperationID: "import-submissions", Tags: []string{"Submissions"},
	Summary: "Import an outbox ZIP exported by a browser (multipart field file); project managers",
	Description: "The ZIP a browser's outbox page exports (format fieldbase-outbox/1: manifest.json and a " +
		"directory per item with submission.xml and its attachments). Each item goes through the same ingest " +
		"as POST /projects/{id}/submissions, deduplicated by instanceID, so importing twice adds nothing. 200 " +
		"lists each item's outcome: added, already_there, conflict (different XML under that instanceID) or " +
		"refused (with the reason; items of another project are refused). 400 not a ZIP; 422 no valid " +
		"manifest, or unsafe file names; 413 larger than the request limit, more than 20,000 files or more " +
		"than four times the request limit unpacked."}

type outboxManifest struct {
	Format string              `json:"format"`
	Items  []outboxManifestRow `json:"items"`
}

type outboxManifestRow struct {
	InstanceID string          `json:"instance_id"`
	ProjectID  json.RawMessage `json:"project_id"`
	FormID     string          `json:"form_id"`
	Dir        string          `json:"dir"`
}

// ImportItem is one item of an imported outbox ZIP and what became of it.
type ImportItem struct {
	Dir              string `json:"dir"`
	InstanceID       string `json:"instance_id"`
	Outcome          string `json:"outcome" enum:"added,already_there,conflict,refused"`
	Reason           string `json:"reason,omitempty"`
	SubmissionID     int64  `json:"submission_id,omitempty"`
	AttachmentsAdded int    `json:"attachments_added"`
}

// ImportBody is the answer to an import.
type ImportBody struct {
	Items        []ImportItem `json:"items"`
	Added        int          `json:"added"`
	AlreadyThere int          `json:"already_there"`
	Conflict     int          `json:"conflict"`
	Refused      int          `json:"refused"`
}

// importSubmissions is the API route: the outcome of each item as JSON.
func (a *App) importSubmissions(c *fiber.Ctx) error {
	out, err := a.importOutbox(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// importSubmissionsForm is the submissions page's upload (htmx): the outcome of each item as a list.
func (a *App) importSubmissionsForm(c *fiber.Ctx) error {
	out, err := a.importOutbox(c)
	if err != nil {
		return err
	}
	body, err := a.execute(c, "project_submissions", "import_result", out)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// importOutbox reads an uploaded outbox ZIP into a temporary file and ingests its items one by one, inline: each
// is one fsync of its files and one commit, so 50 items with 200 KB photos take well under a second.
func (a *App) importOutbox(c *fiber.Ctx) (ImportBody, error) {
	mr, err := multipartBody(c, a.uploads.maxRequest)
	if err != nil {
		return ImportBody{}, err
	}
	var tmp *storage.Temp
	for tmp == nil {
		p, err := mr.NextPart()
		if err == io.EOF {
			return ImportBody{}, fieldError("file", coded("validation_import_file_required",
				"send the outbox ZIP in the multipart field file"))
		}
		if err != nil {
			return ImportBody{}, bodyError(err)
		}
		if p.FormName() != "file" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return ImportBody{}, bodyError(err)
			}
			continue
		}
		if tmp, err = a.uploads.files.Write(p, a.uploads.maxRequest, false); err != nil {
			if errors.Is(err, storage.ErrTooLarge) {
				return ImportBody{}, errTooLarge
			}
			return ImportBody{}, bodyError(err)
		}
	}
	defer tmp.Discard()
	f, err := tmp.Open()
	if err != nil {
		return ImportBody{}, err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, tmp.Info.Size)
	if errors.Is(err, zip.ErrInsecurePath) {
		return ImportBody{}, fieldError("file", coded("validation_zip_outside", "the ZIP holds a file name outside its folder"))
	}
	if err != nil {
		return ImportBody{}, &Error{Status: http.StatusBadRequest, Message: "the file is not a readable ZIP archive", Err: err}
	}
	items, byDir, err := a.readOutboxZip(zr)
	if err != nil {
		return ImportBody{}, err
	}
	out := ImportBody{Items: []ImportItem{}}
	budget := &importBudget{left: a.importBudget()}
	for _, row := range items {
		it, err := a.importItem(c, row, byDir[row.Dir], budget)
		if err != nil {
			return ImportBody{}, err
		}
		switch it.Outcome {
		case "added":
			out.Added++
		case "already_there":
			out.AlreadyThere++
		case "conflict":
			out.Conflict++
		default:
			out.Refused++
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// readOutboxZip checks every name of the archive and reads its manifest. It answers the manifest's items and
// the archive's files by directory.
func (a *App) readOutboxZip(zr *zip.Reader) ([]outboxManifestRow, map[string][]*zip.File, error) {
	if len(zr.File) > importMaxEntries {
		return nil, nil, errorf(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the ZIP holds more than %d files", importMaxEntries))
	}
	// Go's reader fails an entry that unpacks to more than its header says, so the headers can be summed up
	// front: a ZIP bomb is refused before anything is stored.
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
	}
	if total > uint64(a.importBudget()) {
		return nil, nil, errImportBudget
	}
	byDir := map[string][]*zip.File{}
	var manifest *zip.File
	for _, zf := range zr.File {
		name := zf.Name
		if strings.HasSuffix(name, "/") && zf.FileInfo().IsDir() {
			if !importDirRE.MatchString(strings.TrimSuffix(name, "/")) {
				return nil, nil, fieldError("file", coded("validation_zip_folder", "the ZIP holds an unexpected folder {{.name}}",
					"name", strconv.Quote(name)))
			}
			continue
		}
		if name == "manifest.json" {
			manifest = zf
			continue
		}
		dir, file, ok := strings.Cut(name, "/")
		if !ok || !importDirRE.MatchString(dir) || path.Clean(name) != name {
			return nil, nil, fieldError("file", coded("validation_zip_unexpected_name",
				"the ZIP holds a file with an unsafe or unexpected name: {{.name}}", "name", strconv.Quote(name)))
		}
		if clean, err := openrosa.SanitizeFilename(file); err != nil || clean != file {
			return nil, nil, fieldError("file", coded("validation_zip_unsafe_name", "the ZIP holds a file with an unsafe name: {{.name}}",
				"name", strconv.Quote(name)))
		}
		byDir[dir] = append(byDir[dir], zf)
	}
	if manifest == nil {
		return nil, nil, fieldError("file", coded("validation_zip_no_manifest", "the ZIP has no manifest.json: is it an outbox export?"))
	}
	rc, err := manifest.Open()
	if err != nil {
		return nil, nil, fieldError("file", coded("validation_manifest_unreadable", "manifest.json cannot be read: {{.detail}}",
			"detail", err.Error()))
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, importMaxManifest+1))
	if err != nil || len(body) > importMaxManifest {
		return nil, nil, fieldError("file", coded("validation_manifest_large", "manifest.json cannot be read, or is larger than 8 MiB"))
	}
	var m outboxManifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, nil, fieldError("file", coded("validation_manifest_json", "manifest.json is not valid JSON: {{.detail}}",
			"detail", err.Error()))
	}
	if m.Format != outboxZipFormat {
		return nil, nil, fieldError("file", coded("validation_manifest_format", "manifest.json: format {{.got}}, want {{.want}}",
			"got", strconv.Quote(m.Format), "want", strconv.Quote(outboxZipFormat)))
	}
	return m.Items, byDir, nil
}

// importBudget is how many bytes an import may unpack in all: four times the request limit.
func (a *App) importBudget() int64 { return a.uploads.maxRequest * 4 }

// importBudget bounds the bytes an import may decompress in all, whatever its headers claim.
type importBudget struct{ left int64 }

func (b *importBudget) Read(r io.Reader) io.Reader { return &budgetReader{r: r, b: b} }

type budgetReader struct {
	r io.Reader
	b *importBudget
}

// errImportBudget ends an import whose files unpack to more than its budget (a ZIP bomb, or just too much).
var errImportBudget = errorf(http.StatusRequestEntityTooLarge, "the ZIP holds more data than an import may unpack")

func (br *budgetReader) Read(p []byte) (int, error) {
	if br.b.left <= 0 {
		return 0, errImportBudget
	}
	if int64(len(p)) > br.b.left {
		p = p[:br.b.left]
	}
	n, err := br.r.Read(p)
	br.b.left -= int64(n)
	return n, err
}

// importItem ingests one item of the archive.
func (a *App) importItem(c *fiber.Ctx, row outboxManifestRow, files []*zip.File, budget *importBudget) (
	ImportItem, error) {
	ctx := c.UserContext()
	pid := projectFrom(ctx).Project.ID
	it := ImportItem{Dir: row.Dir, InstanceID: row.InstanceID, Outcome: "refused"}
	if len(row.ProjectID) > 0 && string(row.ProjectID) != "null" {
		var id json.Number
		if err := json.Unmarshal(row.ProjectID, &id); err != nil {
			var s string
			_ = json.Unmarshal(row.ProjectID, &s)
			id = json.Number(s)
		}
		if n, err := strconv.ParseInt(string(id), 10, 64); err != nil || n != pid {
			it.Reason = fmt.Sprintf("the item belongs to project %s, not to this one", strings.Trim(string(row.ProjectID), `"`))
			return it, nil
		}
	}
	if len(files) == 0 {
		it.Reason = "its folder " + strconv.Quote(row.Dir) + " is not in the ZIP"
		return it, nil
	}
	r := &collect.Received{}
	defer r.Discard()
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, zf := range files {
		name := path.Base(zf.Name)
		rc, err := zf.Open()
		if err != nil {
			it.Reason = name + " cannot be read: " + err.Error()
			return it, nil
		}
		if name == "submission.xml" {
			r.XML, err = readXMLPart(budget.Read(rc))
		} else {
			var tmp *storage.Temp
			tmp, err = a.uploads.files.Write(budget.Read(rc), a.uploads.maxFile, false)
			if err == nil {
				r.Files = append(r.Files, collect.File{Name: name, Tmp: tmp})
			}
		}
		rc.Close()
		switch {
		case errors.Is(err, errImportBudget):
			return it, err
		case errors.Is(err, storage.ErrTooLarge) || errors.Is(err, errTooLarge):
			it.Reason = name + " is larger than allowed"
			return it, nil
		case err != nil:
			it.Reason = name + " cannot be read: " + err.Error()
			return it, nil
		}
	}
	if len(r.XML) == 0 {
		it.Reason = "its folder has no submission.xml"
		return it, nil
	}
	p := principal(ctx)
	got, err := a.collect.Ingest(ctx, r, db.Submission{ProjectID: pid, SubmitterID: p.UserID}, p.Username)
	var ce *collect.Error
	switch {
	case errors.As(err, &ce) && errors.Is(ce, collect.ErrDuplicate):
		it.Outcome, it.Reason = "conflict", ce.Message
	case errors.As(err, &ce):
		it.Reason = ce.Message
	case err != nil:
		return it, err
	default:
		it.Outcome, it.SubmissionID, it.AttachmentsAdded = "already_there", got.Submission.ID, got.Files
		if got.Created {
			it.Outcome = "added"
		}
		if it.InstanceID == "" {
			it.InstanceID = got.Submission.InstanceID
		}
	}
	return it, nil
}
