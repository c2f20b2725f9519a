package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// uploads is what the form and submission handlers need beside the database: the file store, the size limits
// and a cache of parsed form versions (a forms row never changes, so its parse is kept).
type uploads struct {
	files      *storage.Store
	maxRequest int64
	maxFile    int64
	collectKey []byte
	forms      sync.Map // forms row id -> *openrosa.Form
}

func newUploads(dataDir string, maxRequestMB, maxFileMB int) (*uploads, error) {
	files, err := storage.Open(dataDir)
	if err != nil {
		return nil, err
	}
	key, err := loadCollectKey(dataDir)
	if err != nil {
		return nil, err
	}
	return &uploads{files: files, maxRequest: int64(maxRequestMB) << 20, maxFile: int64(maxFileMB) << 20,
		collectKey: key}, nil
}

// SweepFiles removes the temporary files of uploads cut short and the stored files no row names (written
// before a crash that came before their row committed). Call it at start-up, before serving.
func SweepFiles(ctx context.Context, dataDir string, store *db.Store) (storage.SweepResult, error) {
	files, err := storage.Open(dataDir)
	if err != nil {
		return storage.SweepResult{}, err
	}
	return files.Sweep(func(key string) (bool, error) { return store.FileReferenced(ctx, key) })
}

var (
	errTooLarge   = errorf(http.StatusRequestEntityTooLarge, "the request or one of its files is larger than allowed")
	errNotMultipt = errorf(http.StatusUnsupportedMediaType, "send multipart/form-data")
)

// limitedBody fails with errTooLarge once more than n bytes were read.
type limitedBody struct {
	r io.Reader
	n int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// multipartBody returns a streaming multipart reader over the request body, bounded by limit. The body is read
// from the connection as the parts are consumed (StreamRequestBody), never whole into memory.
func multipartBody(c *fiber.Ctx, limit int64) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errNotMultipt
	}
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > limit {
		return nil, errTooLarge
	}
	// c.Body() would read the whole stream into memory: use it only when the body was not streamed.
	body := c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	return multipart.NewReader(&limitedBody{r: body, n: limit}, params["boundary"]), nil
}

// received is one multipart request read: the XML and the attachments waiting in temporary files.
type received struct {
	xml      []byte
	deviceID string
	files    []receivedFile
}

type receivedFile struct {
	name string
	tmp  *storage.Temp
}

func (r *received) discard() {
	for _, f := range r.files {
		f.tmp.Discard()
	}
}

// fileName is the attachment name a part carries: its file name as sent, else its field name. Part.FileName is
// not used: it keeps only the last path element, which would silently accept "../../x" as "x".
func fileName(p *multipart.Part) string {
	if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
		if n := params["filename"]; n != "" {
			return n
		}
	}
	return p.FormName()
}

// saveFilePart checks the part's file name and streams it to a temporary file. A name sent twice keeps the
// first file.
func (u *uploads) saveFilePart(r *received, p *multipart.Part) error {
	name, err := openrosa.SanitizeFilename(fileName(p))
	if err != nil {
		return errorf(http.StatusBadRequest, "attachment: "+err.Error())
	}
	for _, f := range r.files {
		if f.name == name {
			_, err := io.Copy(io.Discard, p)
			return err
		}
	}
	tmp, err := u.files.Write(p, u.maxFile, false)
	if errors.Is(err, storage.ErrTooLarge) {
		return errTooLarge
	}
	if err != nil {
		return err
	}
	r.files = append(r.files, receivedFile{name: name, tmp: tmp})
	return nil
}

// readXMLPart reads a submission XML part, bounded by the largest document the parser accepts.
func readXMLPart(p io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, openrosa.MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > openrosa.MaxDocumentBytes {
		return nil, errTooLarge
	}
	return b, nil
}

// readParts reads every part: xmlField is the submission XML, deviceField (if any) a text value, any other part
// an attachment. On error the temporary files are already removed.
func (u *uploads) readParts(mr *multipart.Reader, xmlField, deviceField string, attachField string) (*received,
	error) {
	r := &received{}
	err := func() error {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return bodyError(err)
			}
			switch name := p.FormName(); {
			case name == xmlField && r.xml == nil:
				r.xml, err = readXMLPart(p)
			case deviceField != "" && name == deviceField:
				var b []byte
				b, err = io.ReadAll(io.LimitReader(p, 200))
				r.deviceID = string(b)
			case attachField == "" || name == attachField:
				err = u.saveFilePart(r, p)
			default:
				_, err = io.Copy(io.Discard, p)
			}
			if err != nil {
				return bodyError(err)
			}
		}
	}()
	if err != nil {
		r.discard()
		return nil, err
	}
	return r, nil
}

// bodyError keeps the client errors (413, bad names) and reports a broken multipart stream as 400.
func bodyError(err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Status: http.StatusBadRequest, Message: "the multipart body could not be read", Err: err}
}

// formFor returns the parsed form version a submission names: its exact version, or the current version when
// the submission has none.
func (a *App) formFor(ctx context.Context, projectID int64, formID, version string) (db.Form, *openrosa.Form,
	error) {
	row, err := a.store.FormVersion(ctx, projectID, formID, version)
	if errors.Is(err, db.ErrNotFound) && version == "" {
		row, err = a.store.CurrentForm(ctx, projectID, formID)
	}
	if errors.Is(err, db.ErrNotFound) {
		return row, nil, &Error{Status: http.StatusUnprocessableEntity, Err: err,
			Message: fmt.Sprintf("the form %q version %q is not on this server", formID, version)}
	}
	if err != nil {
		return row, nil, err
	}
	form, err := a.parsedForm(row)
	return row, form, err
}

func (a *App) parsedForm(row db.Form) (*openrosa.Form, error) {
	if f, ok := a.uploads.forms.Load(row.ID); ok {
		return f.(*openrosa.Form), nil
	}
	f, err := openrosa.ParseForm(row.XML)
	if err != nil {
		return nil, fmt.Errorf("stored form %d: %w", row.ID, err)
	}
	a.uploads.forms.Store(row.ID, f)
	return f, nil
}

// link finds a submission's task (its task_id field, else the task whose outline holds its first geopoint),
// its feature (a feature_id field) and its position.
func (a *App) link(ctx context.Context, sub *db.Submission, form *openrosa.Form, parsed *openrosa.Submission) error {
	if lon, lat, ok := parsed.FirstGeopoint(form); ok {
		sub.Lon, sub.Lat = &lon, &lat
	}
	if id, ok := idField(form, parsed, "feature_id"); ok {
		in, err := a.store.FeatureInProject(ctx, sub.ProjectID, id)
		if err != nil {
			return err
		}
		if in {
			sub.FeatureID = id
		}
	}
	if id, ok := idField(form, parsed, "task_id"); ok {
		in, err := a.store.TaskInProject(ctx, sub.ProjectID, id)
		if err != nil || in {
			sub.TaskID = id
			return err
		}
	}
	if sub.Lon == nil {
		return nil
	}
	tasks, err := a.store.TasksAround(ctx, sub.ProjectID, *sub.Lon, *sub.Lat)
	if err != nil {
		return err
	}
	pt := orb.Point{*sub.Lon, *sub.Lat}
	for _, t := range tasks {
		if mp, ok := outlineMultiPolygon(t.Outline); ok && planar.MultiPolygonContains(mp, pt) {
			sub.TaskID = t.ID
			return nil
		}
	}
	return nil
}

// outlineMultiPolygon reads a task outline (a GeoJSON MultiPolygon, or a Polygon).
func outlineMultiPolygon(outline string) (orb.MultiPolygon, bool) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal([]byte(outline), &g) != nil {
		return nil, false
	}
	var mp orb.MultiPolygon
	switch g.Type {
	case "MultiPolygon":
		var c [][][][2]float64
		if json.Unmarshal(g.Coordinates, &c) != nil {
			return nil, false
		}
		for _, poly := range c {
			mp = append(mp, toPolygon(poly))
		}
	case "Polygon":
		var c [][][2]float64
		if json.Unmarshal(g.Coordinates, &c) != nil {
			return nil, false
		}
		mp = orb.MultiPolygon{toPolygon(c)}
	default:
		return nil, false
	}
	return mp, true
}

func toPolygon(rings [][][2]float64) orb.Polygon {
	p := make(orb.Polygon, 0, len(rings))
	for _, r := range rings {
		ring := make(orb.Ring, 0, len(r))
		for _, pt := range r {
			ring = append(ring, orb.Point{pt[0], pt[1]})
		}
		p = append(p, ring)
	}
	return p
}

func idField(form *openrosa.Form, parsed *openrosa.Submission, name string) (int64, bool) {
	f, ok := form.Field(name)
	if !ok {
		return 0, false
	}
	v, ok := parsed.Value(f.Path)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// ingested is the outcome of a stored submission.
type ingested struct {
	res   db.SaveResult
	files int // attachments stored by this request
}

// ingest parses and stores a received submission: attachments are fsynced and renamed into place, then the row
// commits; a failure removes the files this request placed. sub carries who sent it.
func (a *App) ingest(ctx context.Context, r *received, sub db.Submission) (ingested, error) {
	defer r.discard()
	if len(r.xml) == 0 {
		return ingested{}, errorf(http.StatusBadRequest, "the submission XML is missing")
	}
	parsed, err := openrosa.ParseSubmission(r.xml)
	if err != nil {
		return ingested{}, &Error{Status: http.StatusBadRequest, Message: "submission: " + err.Error(), Err: err}
	}
	row, form, err := a.formFor(ctx, sub.ProjectID, parsed.FormID, parsed.Version)
	if err != nil {
		return ingested{}, err
	}
	sum := sha256.Sum256(r.xml)
	sub.FormRow, sub.FormID, sub.InstanceID, sub.DeprecatedID = row.ID, row.FormID, parsed.InstanceID, parsed.DeprecatedID
	sub.XML, sub.XMLSHA256 = r.xml, hex.EncodeToString(sum[:])
	if sub.DeviceID == "" {
		sub.DeviceID = r.deviceID
	}
	if err := a.link(ctx, &sub, form, parsed); err != nil {
		return ingested{}, err
	}
	atts, err := a.placeFiles(r, sub.ProjectID)
	if err != nil {
		return ingested{}, err
	}
	res, err := a.store.SaveSubmission(ctx, sub, atts)
	if err != nil {
		a.removeFiles(atts)
		if errors.Is(err, db.ErrConflict) {
			return ingested{}, &Error{Status: http.StatusConflict, Err: err,
				Message: "a different submission with this instanceID was already received"}
		}
		return ingested{}, err
	}
	a.removeFiles(res.Skipped)
	a.noticeSubmission(ctx, res)
	return ingested{res: res, files: len(res.Added)}, nil
}

// placeFiles commits the temporary files under their keys (fsynced, renamed, directory fsynced).
func (a *App) placeFiles(r *received, projectID int64) ([]db.Attachment, error) {
	atts := make([]db.Attachment, 0, len(r.files))
	for _, f := range r.files {
		key := fmt.Sprintf("submissions/p%d/%s_%s", projectID, uuid.NewString(), storage.SafeName(f.name))
		if err := f.tmp.Commit(key); err != nil {
			a.removeFiles(atts)
			return nil, err
		}
		atts = append(atts, db.Attachment{Name: f.name, FileKey: key, Size: f.tmp.Info.Size,
			SHA256: f.tmp.Info.SHA256, ContentType: f.tmp.Info.ContentType})
	}
	r.files = nil
	return atts, nil
}

func (a *App) removeFiles(atts []db.Attachment) {
	for _, at := range atts {
		if err := a.uploads.files.Remove(at.FileKey); err != nil {
			a.log.Warn("attachment not removed", "key", at.FileKey, "err", err)
		}
	}
}
