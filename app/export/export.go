// Package export writes a project's submissions out: CSV per form, GeoJSON points, and the ZIP export file
// (one CSV per form plus every attachment) that a background job builds. API streams and the export job share
// it. It must not import fiber, huma, River or the app package.
package export

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// Result is what an export file holds.
type Result struct {
	ExportID    int64 `json:"export_id"`
	Submissions int   `json:"submissions"`
	Attachments int   `json:"attachments"`
	Size        int64 `json:"size"`
}

// ErrGone is returned by Build when the export row no longer exists.
var ErrGone = fmt.Errorf("export: %w", db.ErrNotFound)

// Build writes export exportID's ZIP to a temporary file in files, renames it into place, then records it on
// the export row: a retry after a crash writes a new file and the row names only the last one. progress gets
// a percentage and a sentence as the submissions are written.
func Build(ctx context.Context, st *db.Store, files *storage.Store, exportID int64,
	progress func(percent int, message string)) (Result, error) {
	exp, err := st.Export(ctx, exportID)
	if err != nil {
		return Result{}, ErrGone
	}
	_, total, err := st.Submissions(ctx, db.SubmissionFilter{ProjectID: exp.ProjectID, Limit: 1})
	if err != nil {
		return Result{}, err
	}
	pr, pw := io.Pipe()
	written := make(chan Result, 1)
	go func() {
		res, err := writeZip(ctx, st, files, pw, exp.ProjectID, total, func(done int) {
			progress(min(99, done*100/max(total, 1)), fmt.Sprintf("%d of %d submissions", done, total))
		})
		written <- res
		_ = pw.CloseWithError(err)
	}()
	tmp, err := files.Write(pr, 0, false)
	_ = pr.CloseWithError(io.ErrClosedPipe)
	res := <-written
	if err != nil {
		return res, err
	}
	key := fmt.Sprintf("exports/p%d/export-%d-%s.zip", exp.ProjectID, exp.ID, uuid.NewString())
	if err := tmp.Commit(key); err != nil {
		return res, err
	}
	old, err := st.FinishExport(ctx, exp.ID, key, tmp.Info.Size, res.Submissions)
	if err != nil {
		_ = files.Remove(key)
		return res, err
	}
	if old != "" && old != key {
		_ = files.Remove(old)
	}
	res.ExportID, res.Size = exp.ID, tmp.Info.Size
	return res, nil
}

// writeZip writes one CSV per form and the attachments (attachments/<instance id>/<name>) into w.
func writeZip(ctx context.Context, st *db.Store, files *storage.Store, w io.Writer, projectID int64, total int,
	progress func(done int)) (Result, error) {
	var res Result
	zw := zip.NewWriter(w)
	forms, err := st.Forms(ctx, projectID)
	if err != nil {
		return res, err
	}
	for _, f := range forms {
		cw, err := zw.CreateHeader(&zip.FileHeader{Name: storage.SafeName(f.FormID) + ".csv", Method: zip.Deflate,
			Modified: time.Now()})
		if err != nil {
			return res, err
		}
		n, err := WriteSubmissionsCSV(ctx, st, cw, projectID, f.FormID)
		if err != nil {
			return res, err
		}
		res.Submissions += n
	}
	done := 0
	err = st.EachSubmission(ctx, db.SubmissionFilter{ProjectID: projectID}, func(s db.Submission) error {
		atts, err := st.Attachments(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if err := copyAttachment(zw, files, s, a); err != nil {
				return err
			}
			res.Attachments++
		}
		if done++; done%100 == 0 || done == total {
			progress(done)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, zw.Close()
}

func copyAttachment(zw *zip.Writer, files *storage.Store, s db.Submission, a db.Attachment) error {
	f, err := files.Open(a.FileKey)
	if err != nil {
		return fmt.Errorf("attachment %s of submission %d: %w", a.Name, s.ID, err)
	}
	defer f.Close()
	name := "attachments/" + storage.SafeName(s.InstanceID) + "/" + storage.SafeName(a.Name)
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: a.CreatedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, f)
	return err
}

// csvMeta are the columns every CSV row starts with, before the form's field paths.
var csvMeta = []string{"submission_id", "instance_id", "form_version", "submitter_id", "device_id", "task_id",
	"feature_id", "review_state", "created_at"}

// WriteSubmissionsCSV streams the submissions of one form as CSV: one row per submission, one column per form
// field path, repeat groups flattened with an index ("children/child[2]/name"). A form with repeats is read twice
// (once to learn how many repeat columns there are, once for the rows) so that memory holds only the column
// names; a form without repeats is read once. It returns the number of rows written.
func WriteSubmissionsCSV(ctx context.Context, st *db.Store, w io.Writer, projectID int64, formID string) (int,
	error) {
	current, err := st.CurrentForm(ctx, projectID, formID)
	if err != nil {
		return 0, err
	}
	form, err := openrosa.ParseForm(current.XML)
	if err != nil {
		return 0, err
	}
	filter := db.SubmissionFilter{ProjectID: projectID, FormID: formID, WithXML: true}
	forms := map[int64]*formInfo{}
	cols := openrosa.Columns(form)
	if len(form.Repeats) > 0 {
		if cols, err = csvColumns(ctx, st, filter, form, forms); err != nil {
			return 0, err
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{}, csvMeta...), cols...)); err != nil {
		return 0, err
	}
	n := 0
	err = eachFlat(ctx, st, filter, forms, func(s db.Submission, version string, row map[string]string) error {
		rec := []string{strconv.FormatInt(s.ID, 10), s.InstanceID, version, idText(s.SubmitterID), s.DeviceID,
			idText(s.TaskID), idText(s.FeatureID), s.ReviewState, s.CreatedAt.UTC().Format(time.RFC3339)}
		for _, c := range cols {
			rec = append(rec, row[c])
		}
		n++
		return cw.Write(rec)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// csvColumns reads every submission once to find the repeat columns they use.
func csvColumns(ctx context.Context, st *db.Store, filter db.SubmissionFilter, form *openrosa.Form,
	forms map[int64]*formInfo) ([]string, error) {
	seen := map[string]string{}
	err := eachFlat(ctx, st, filter, forms, func(_ db.Submission, _ string, row map[string]string) error {
		for col := range row {
			seen[col] = ""
		}
		return nil
	})
	return openrosa.Columns(form, seen), err
}

type formInfo struct {
	version string
	form    *openrosa.Form
}

// flatBatch is how many submissions eachFlat parses at once.
const flatBatch = 256

// eachFlat calls fn for every submission matching filter, in id order, with its form version and its fields
// flattened to columns. Parsing the XML is the slow part: it runs on every CPU, one batch at a time.
func eachFlat(ctx context.Context, st *db.Store, filter db.SubmissionFilter, forms map[int64]*formInfo,
	fn func(s db.Submission, version string, row map[string]string) error) error {
	batch := make([]db.Submission, 0, flatBatch)
	flush := func() error {
		infos := make([]*formInfo, len(batch))
		for i, s := range batch {
			fi, err := loadForm(ctx, st, forms, s.FormRow)
			if err != nil {
				return err
			}
			infos[i] = fi
		}
		rows := make([]map[string]string, len(batch))
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(batch); i += workers {
					rows[i] = flatten(infos[i].form, batch[i].XML)
				}
			}()
		}
		wg.Wait()
		for i, s := range batch {
			if err := fn(s, infos[i].version, rows[i]); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	err := st.EachSubmission(ctx, filter, func(s db.Submission) error {
		if batch = append(batch, s); len(batch) == flatBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// loadForm returns a form version, parsed once per export.
func loadForm(ctx context.Context, st *db.Store, forms map[int64]*formInfo, formRow int64) (*formInfo, error) {
	if fi, ok := forms[formRow]; ok {
		return fi, nil
	}
	row, err := st.FormByRow(ctx, formRow)
	if err != nil {
		return nil, err
	}
	f, err := openrosa.ParseForm(row.XML)
	if err != nil {
		return nil, err
	}
	fi := &formInfo{version: row.Version, form: f}
	forms[formRow] = fi
	return fi, nil
}

// flatten reads a stored submission's fields as columns; a document that no longer parses gives no fields.
func flatten(form *openrosa.Form, xml []byte) map[string]string {
	parsed, err := openrosa.ParseSubmission(xml)
	if err != nil {
		return map[string]string{}
	}
	return openrosa.Flatten(parsed.DataFor(form))
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// WriteGeoJSON streams the submissions with a position (of one form, or all when formID is empty) as a
// FeatureCollection of points, their fields as properties.
func WriteGeoJSON(ctx context.Context, store *db.Store, w *bufio.Writer, pid int64, formID string) error {
	if _, err := w.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	first := true
	enc := json.NewEncoder(w)
	err := store.EachSubmission(ctx, db.SubmissionFilter{ProjectID: pid, FormID: formID, WithXML: true},
		func(s db.Submission) error {
			if s.Lon == nil || s.Lat == nil {
				return nil
			}
			if !first {
				if err := w.WriteByte(','); err != nil {
					return err
				}
			}
			first = false
			return enc.Encode(geoFeature(s))
		})
	if err != nil {
		return err
	}
	if _, err := w.WriteString("]}\n"); err != nil {
		return err
	}
	return w.Flush()
}

func geoFeature(s db.Submission) map[string]any {
	props := map[string]any{"submission_id": s.ID, "instance_id": s.InstanceID, "form_id": s.FormID,
		"review_state": s.ReviewState, "created_at": s.CreatedAt.UTC().Format(time.RFC3339)}
	if s.TaskID != 0 {
		props["task_id"] = s.TaskID
	}
	if s.FeatureID != 0 {
		props["feature_id"] = s.FeatureID
	}
	if parsed, err := openrosa.ParseSubmission(s.XML); err == nil {
		for k, v := range openrosa.Flatten(parsed.Data) {
			if _, taken := props[k]; !taken {
				props[k] = v
			}
		}
	}
	return map[string]any{"type": "Feature", "properties": props,
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{*s.Lon, *s.Lat}}}
}
