package app

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/export"
	"fieldbase/app/jobs"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// ExportBody is an export file being built or ready.
type ExportBody struct {
	ID          int64      `json:"id"`
	Format      string     `json:"format"`
	State       string     `json:"state" enum:"pending,done,failed"`
	JobID       int64      `json:"job_id" doc:"Follow progress at GET /jobs/{job_id}"`
	Size        int64      `json:"size"`
	Rows        int        `json:"rows"`
	DownloadURL string     `json:"download_url"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// ExportInput asks for an export.
type ExportInput struct {
	ID   int64 `path:"id"`
	Body struct {
		Format string `json:"format" enum:"zip"`
	}
}

var (
	createExportOp = huma.Operation{OperationID: "create-export", Tags: []string{"Exports"},
		DefaultStatus: http.StatusAccepted,
		Summary:       "Start a job that writes the submissions (CSV per form) and attachments into a ZIP",
		Errors:        []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	getExportOp = huma.Operation{OperationID: "get-export", Tags: []string{"Exports"},
		Summary: "Show an export", Errors: []int{http.StatusNotFound}}
	downloadExportDoc = huma.Operation{OperationID: "download-export", Tags: []string{"Exports"},
		Summary: "Download a finished export (ZIP)"}
	submissionsCSVDoc = huma.Operation{OperationID: "export-submissions-csv", Tags: []string{"Exports"},
		Summary: "Stream the submissions of a form (?form=, optional when the project has one form) as CSV"}
	submissionsGeoJSONDoc = huma.Operation{OperationID: "export-submissions-geojson", Tags: []string{"Exports"},
		Summary: "Stream the submissions as GeoJSON points (their first geopoint), optionally of one ?form="}
)

// exportAccess guards /exports/{eid}: the caller needs role min in the export's project.
type exportAccess struct{ min taskflow.Role }

func (ea exportAccess) documented() bool { return true }

func (ea exportAccess) check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context,
	error) {
	id, err := strconv.ParseInt(param("eid"), 10, 64)
	if err != nil {
		return ctx, errorf(http.StatusNotFound, "no such export")
	}
	e, err := a.store.Export(ctx, id)
	if err != nil {
		return ctx, err
	}
	pid := strconv.FormatInt(e.ProjectID, 10)
	ctx, err = projectRole(ea.min).check(ctx, a, p, func(string) string { return pid })
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, exportKey, e), nil
}

const exportKey ctxKey = "export"

func exportBody(e db.Export) ExportBody {
	return ExportBody{ID: e.ID, Format: e.Format, State: e.State, JobID: e.JobID, Size: e.Size, Rows: e.Rows,
		DownloadURL: apiPrefix + "/exports/" + strconv.FormatInt(e.ID, 10) + "/download",
		CreatedAt:   e.CreatedAt.UTC(), FinishedAt: e.FinishedAt}
}

func (a *App) apiCreateExport(ctx context.Context, in *ExportInput) (*struct{ Body ExportBody }, error) {
	if err := validation.ValidateStruct(&in.Body, validation.Field(&in.Body.Format, validation.Required,
		validation.In("zip"))); err != nil {
		return nil, err
	}
	pid := projectFrom(ctx).Project.ID
	e, err := a.store.CreateExport(ctx, db.Export{ProjectID: pid, Format: in.Body.Format,
		CreatedBy: principal(ctx).UserID}, func(ctx context.Context, tx *sql.Tx, id int64) (int64, error) {
		return a.jobs.InsertTx(ctx, tx, jobs.ExportArgs{ExportID: id, ProjectID: pid})
	})
	if err != nil {
		return nil, err
	}
	return &struct{ Body ExportBody }{Body: exportBody(e)}, nil
}

func (a *App) apiGetExport(ctx context.Context, _ *struct {
	EID int64 `path:"eid"`
}) (*struct{ Body ExportBody }, error) {
	e, _ := ctx.Value(exportKey).(db.Export)
	return &struct{ Body ExportBody }{Body: exportBody(e)}, nil
}

func (a *App) downloadExport(c *fiber.Ctx) error {
	e, _ := c.UserContext().Value(exportKey).(db.Export)
	if e.State != "done" {
		return errorf(http.StatusConflict, "the export is not ready: follow its job")
	}
	return a.sendFile(c, e.FileKey, fmt.Sprintf("submissions-%d-%d.zip", e.ProjectID, e.ID), "application/zip",
		e.Size)
}

// exportForm is the form a CSV export is for: ?form=, or the project's only form.
func (a *App) exportForm(ctx context.Context, pid int64, form string) (string, error) {
	if form != "" {
		_, err := a.store.CurrentForm(ctx, pid, form)
		return form, err
	}
	forms, err := a.store.Forms(ctx, pid)
	if err != nil {
		return "", err
	}
	if len(forms) != 1 {
		return "", fieldError("form", coded("validation_export_form", "name the form to export (the project has {{.count}})",
			"count", len(forms)))
	}
	return forms[0].FormID, nil
}

// submissionsCSV streams one form's submissions as CSV, row by row, after the response headers are sent.
func (a *App) submissionsCSV(c *fiber.Ctx) error {
	pid := projectFrom(c.UserContext()).Project.ID
	formID, err := a.exportForm(c.UserContext(), pid, c.Query("form"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.csv"`, sanitizeHeader(formID)))
	store, log, ctx := a.store, a.log, a.life
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := export.WriteSubmissionsCSV(ctx, store, w, pid, formID); err != nil {
			log.Error("csv export cut short", "project_id", pid, "err", err)
		}
	})
	return nil
}

// submissionsGeoJSON streams the submissions with a position as a FeatureCollection of points.
func (a *App) submissionsGeoJSON(c *fiber.Ctx) error {
	pid := projectFrom(c.UserContext()).Project.ID
	formID := c.Query("form")
	c.Set(fiber.HeaderContentType, "application/geo+json")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="submissions.geojson"`)
	store, log, ctx := a.store, a.log, a.life
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := export.WriteGeoJSON(ctx, store, w, pid, formID); err != nil {
			log.Error("geojson export cut short", "project_id", pid, "err", err)
		}
	})
	return nil
}

// sanitizeHeader keeps a value safe inside a quoted header parameter.
func sanitizeHeader(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			r = '_'
		}
		out = append(out, r)
	}
	return string(out)
}
