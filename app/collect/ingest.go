// Package collect stores survey submissions, whoever sends them (ODK Collect over OpenRosa, the REST API, a
// browser form): it parses the XML, finds the form version, links the submission to its task and feature,
// places the attachments (fsynced and renamed before the row commits), saves the row with its dedupe rules and
// tells the project's open pages. Reading the HTTP body is the caller's; this package must not import fiber,
// huma, River or the app package.
package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fieldbase/app/geo"
	"fieldbase/app/live"
	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// Refusals: what a client sent that cannot be stored. Each is wrapped in an *Error with a message for it.
var (
	// ErrMalformed: the XML is missing or is not a submission.
	ErrMalformed = errors.New("malformed submission")
	// ErrUnknownForm: the submission names a form or version the project does not have.
	ErrUnknownForm = errors.New("unknown form")
	// ErrDuplicate: a different submission was already received under this instanceID.
	ErrDuplicate = errors.New("duplicate instance id")
)

// Error is a submission refused for what it holds: Kind is one of the refusals above, Message is safe to show.
type Error struct {
	Kind    error
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Is makes errors.Is(err, ErrMalformed) (etc.) true for an *Error of that kind.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// File is an attachment received into a temporary file, under the name it was sent with (already sanitised).
type File struct {
	Name string
	Tmp  *storage.Temp
}

// Received is one submission as read from a request: its XML, the device id it was sent with (if any) and its
// attachments waiting in temporary files.
type Received struct {
	XML      []byte
	DeviceID string
	Files    []File
}

// Discard removes the temporary files not placed yet.
func (r *Received) Discard() {
	for _, f := range r.Files {
		f.Tmp.Discard()
	}
	r.Files = nil
}

// Result is the outcome of a stored submission.
type Result struct {
	db.SaveResult
	// Files is how many attachments this request stored.
	Files int
}

// Ingester stores submissions.
type Ingester struct {
	store  *db.Store
	files  *storage.Store
	events *live.Broker
	log    *slog.Logger
	forms  *formCache
	// created counts the submission rows this Ingester created (for the metrics).
	created atomic.Uint64
}

// Created is how many submission rows this Ingester has created since it started (repeats not counted).
func (in *Ingester) Created() uint64 { return in.created.Load() }

// FormCacheSize bounds the parsed form versions an Ingester keeps.
const FormCacheSize = 256

// New returns an Ingester writing rows to store and attachments to files; events (nil: none) is told of each
// new submission.
func New(store *db.Store, files *storage.Store, events *live.Broker, log *slog.Logger) *Ingester {
	if log == nil {
		log = slog.Default()
	}
	return &Ingester{store: store, files: files, events: events, log: log, forms: newFormCache(FormCacheSize)}
}

// SubmissionNotice is the payload of a submission event.
type SubmissionNotice struct {
	ProjectID    int64  `json:"project_id"`
	SubmissionID int64  `json:"submission_id"`
	FormID       int64  `json:"form_id,omitempty"`
	SubmittedBy  string `json:"submitted_by,omitempty"`
}

// Ingest parses and stores a received submission: attachments are fsynced and renamed into place, then the row
// commits; a failure removes the files this request placed, and the temporary files are always gone after.
// sub carries the project and who sent it; submittedBy is the name the live event shows (may be empty). The
// same XML again stores only the attachments not yet received; different XML under the same instanceID is
// ErrDuplicate.
func (in *Ingester) Ingest(ctx context.Context, r *Received, sub db.Submission, submittedBy string) (Result, error) {
	defer r.Discard()
	if len(r.XML) == 0 {
		return Result{}, &Error{Kind: ErrMalformed, Message: "the submission XML is missing"}
	}
	parsed, err := openrosa.ParseSubmission(r.XML)
	if err != nil {
		return Result{}, &Error{Kind: ErrMalformed, Message: err.Error(), Err: err}
	}
	row, form, err := in.formFor(ctx, sub.ProjectID, parsed.FormID, parsed.Version)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(r.XML)
	sub.FormRow, sub.FormID, sub.InstanceID, sub.DeprecatedID = row.ID, row.FormID, parsed.InstanceID, parsed.DeprecatedID
	sub.XML, sub.XMLSHA256 = r.XML, hex.EncodeToString(sum[:])
	if sub.DeviceID == "" {
		sub.DeviceID = r.DeviceID
	}
	if err := in.link(ctx, &sub, form, parsed); err != nil {
		return Result{}, err
	}
	atts, err := in.placeFiles(r, sub.ProjectID)
	if err != nil {
		return Result{}, err
	}
	res, err := in.store.SaveSubmission(ctx, sub, atts)
	if err != nil {
		in.removeFiles(atts)
		if errors.Is(err, db.ErrConflict) {
			return Result{}, &Error{Kind: ErrDuplicate, Err: err,
				Message: "a different submission with this instanceID was already received"}
		}
		return Result{}, err
	}
	in.removeFiles(res.Skipped)
	if res.Created {
		in.created.Add(1)
	}
	if res.Created && in.events != nil {
		in.events.PublishJSON(sub.ProjectID, live.KindSubmission, SubmissionNotice{ProjectID: sub.ProjectID,
			SubmissionID: res.Submission.ID, SubmittedBy: submittedBy})
	}
	return Result{SaveResult: res, Files: len(res.Added)}, nil
}

// formFor returns the parsed form version a submission names: its exact version, or the current version when
// the submission has none.
func (in *Ingester) formFor(ctx context.Context, projectID int64, formID, version string) (db.Form,
	*openrosa.Form, error) {
	row, err := in.store.FormVersion(ctx, projectID, formID, version)
	if errors.Is(err, db.ErrNotFound) && version == "" {
		row, err = in.store.CurrentForm(ctx, projectID, formID)
	}
	if errors.Is(err, db.ErrNotFound) {
		return row, nil, &Error{Kind: ErrUnknownForm, Err: err,
			Message: fmt.Sprintf("the form %q version %q is not on this server", formID, version)}
	}
	if err != nil {
		return row, nil, err
	}
	f, err := in.ParsedForm(row)
	return row, f, err
}

// ParsedForm is a stored form version parsed, from a bounded cache (a forms row never changes).
func (in *Ingester) ParsedForm(row db.Form) (*openrosa.Form, error) {
	if f, ok := in.forms.get(row.ID); ok {
		return f, nil
	}
	f, err := openrosa.ParseForm(row.XML)
	if err != nil {
		return nil, fmt.Errorf("stored form %d: %w", row.ID, err)
	}
	in.forms.put(row.ID, f)
	return f, nil
}

// link finds a submission's task (its task_id field, else the task whose outline holds its first geopoint),
// its feature (a feature_id field) and its position.
func (in *Ingester) link(ctx context.Context, sub *db.Submission, form *openrosa.Form, parsed *openrosa.Submission) error {
	if lon, lat, ok := parsed.FirstGeopoint(form); ok {
		sub.Lon, sub.Lat = &lon, &lat
	}
	if id, ok := idField(form, parsed, "feature_id"); ok {
		ok, err := in.store.FeatureInProject(ctx, sub.ProjectID, id)
		if err != nil {
			return err
		}
		if ok {
			sub.FeatureID = id
		}
	}
	if id, ok := idField(form, parsed, "task_id"); ok {
		ok, err := in.store.TaskInProject(ctx, sub.ProjectID, id)
		if err != nil || ok {
			sub.TaskID = id
			return err
		}
	}
	if sub.Lon == nil {
		return nil
	}
	tasks, err := in.store.TasksAround(ctx, sub.ProjectID, *sub.Lon, *sub.Lat)
	if err != nil {
		return err
	}
	pt := orb.Point{*sub.Lon, *sub.Lat}
	for _, t := range tasks {
		if mp, ok := geo.OutlineMultiPolygon(t.Outline); ok && planar.MultiPolygonContains(mp, pt) {
			sub.TaskID = t.ID
			return nil
		}
	}
	return nil
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

// placeFiles commits the temporary files under their keys (fsynced, renamed, directory fsynced).
func (in *Ingester) placeFiles(r *Received, projectID int64) ([]db.Attachment, error) {
	atts := make([]db.Attachment, 0, len(r.Files))
	for _, f := range r.Files {
		key := fmt.Sprintf("submissions/p%d/%s_%s", projectID, uuid.NewString(), storage.SafeName(f.Name))
		if err := f.Tmp.Commit(key); err != nil {
			in.removeFiles(atts)
			return nil, err
		}
		atts = append(atts, db.Attachment{Name: f.Name, FileKey: key, Size: f.Tmp.Info.Size,
			SHA256: f.Tmp.Info.SHA256, ContentType: f.Tmp.Info.ContentType})
	}
	r.Files = nil
	return atts, nil
}

func (in *Ingester) removeFiles(atts []db.Attachment) {
	for _, at := range atts {
		if err := in.files.Remove(at.FileKey); err != nil {
			in.log.Warn("attachment not removed", "key", at.FileKey, "err", err)
		}
	}
}
