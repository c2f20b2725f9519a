package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"

	"fieldbase/app/basemapgen"
	"fieldbase/app/geo"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// GenerateBasemapArgs enqueues the making of a basemap from a tile source for a project's AOI. The fetch
// settings are taken from the configuration when the job is enqueued.
type GenerateBasemapArgs struct {
	ProjectID   int64             `json:"project_id"`
	Source      basemapgen.Source `json:"source"`
	MinZoom     int               `json:"min_zoom"`
	MaxZoom     int               `json:"max_zoom"`
	Format      string            `json:"format"`
	Name        string            `json:"name"`
	CreatedBy   int64             `json:"created_by"`
	Concurrency int               `json:"concurrency"`
	Timeout     time.Duration     `json:"timeout"`
	UserAgent   string            `json:"user_agent"`
}

// Kind names the job kind.
func (GenerateBasemapArgs) Kind() string { return "generate_basemap" }

// GenerateBasemapResult is the recorded output of a generation.
type GenerateBasemapResult struct {
	BasemapID int64 `json:"basemap_id"`
	Tiles     int   `json:"tiles"`
	Missing   int   `json:"missing" doc:"tiles the source does not have (404)"`
	Bytes     int64 `json:"bytes"`
}

type generateWorker struct {
	river.WorkerDefaults[GenerateBasemapArgs]
	j *Jobs
}

// Work downloads the tiles (resuming from the job's work file), writes the file and registers it as a basemap
// of the project exactly as an upload is (a row and its validation job). A cancelled job, a refusal by the
// source and a last failed attempt remove the work file; other failures keep it for the retry.
func (w *generateWorker) Work(ctx context.Context, job *river.Job[GenerateBasemapArgs]) error {
	dataDir := w.j.store.Dir()
	res, err := w.generate(ctx, job, dataDir)
	var pe *basemapgen.PermanentError
	var se *basemapgen.SourceError
	switch {
	case err == nil:
		_ = basemapgen.RemoveWork(dataDir, job.ID)
		return river.RecordOutput(ctx, res)
	case errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		_ = basemapgen.RemoveWork(dataDir, job.ID)
		return err
	case errors.As(err, &pe) || errors.As(err, &se):
		_ = basemapgen.RemoveWork(dataDir, job.ID)
		return Failure("%s", err.Error())
	case job.Attempt >= job.MaxAttempts:
		_ = basemapgen.RemoveWork(dataDir, job.ID)
	}
	return err
}

func (w *generateWorker) generate(ctx context.Context, job *river.Job[GenerateBasemapArgs],
	dataDir string) (GenerateBasemapResult, error) {
	a := job.Args
	st := w.j.store
	p, err := st.Project(ctx, a.ProjectID)
	if errors.Is(err, db.ErrNotFound) {
		return GenerateBasemapResult{}, &basemapgen.PermanentError{Reason: "the project was deleted"}
	}
	if err != nil {
		return GenerateBasemapResult{}, err
	}
	aoi, err := geo.ParseMultiPolygon(p.AOI)
	if err != nil || len(aoi) == 0 {
		return GenerateBasemapResult{}, &basemapgen.PermanentError{Reason: "the project has no area of interest"}
	}
	files, err := BasemapFiles(dataDir)
	if err != nil {
		return GenerateBasemapResult{}, err
	}
	key := fmt.Sprintf("p%d/generated-%d_%s.%s", a.ProjectID, job.ID, storage.SafeName(a.Name), a.Format)
	if done, err := st.BasemapFileReferenced(ctx, key); err != nil || done { // registered before a crash
		return GenerateBasemapResult{}, err
	}
	f := basemapgen.NewFetcher(a.UserAgent, a.Timeout, a.Source.Trusted)
	out := basemapgen.WorkPath(dataDir, job.ID) + "." + a.Format
	defer os.Remove(out)
	progress := func(pr basemapgen.Progress) {
		pct := 0
		if pr.Total > 0 {
			pct = min(pr.Done*99/pr.Total, 99)
		}
		w.j.progressWords(ctx, job.JobRow, a.ProjectID, pct, progressWords(pr))
	}
	info, pr, err := basemapgen.Generate(ctx, f, basemapgen.Params{Source: a.Source, AOI: aoi, MinZoom: a.MinZoom,
		MaxZoom: a.MaxZoom, Format: a.Format, Name: a.Name, Concurrency: a.Concurrency}, basemapgen.WorkPath(dataDir,
		job.ID), out, progress)
	if err != nil {
		return GenerateBasemapResult{}, err
	}
	w.j.progressWords(ctx, job.JobRow, a.ProjectID, 99, Words{Text: fmt.Sprintf("%s; checking the %s file",
		progressMessage(pr), info.Container), ID: "job.basemap.checking",
		Data: map[string]any{"Done": pr.Done, "Total": pr.Total, "Container": info.Container}})
	id, err := w.register(ctx, files, out, key, a)
	return GenerateBasemapResult{BasemapID: id, Tiles: pr.Done - pr.Missing, Missing: pr.Missing, Bytes: pr.Bytes}, err
}

// register stores the file under key and records it as a basemap with its validation job, as an upload is.
func (w *generateWorker) register(ctx context.Context, files *storage.Store, path, key string,
	a GenerateBasemapArgs) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	tmp, err := files.Write(f, 0, false)
	_ = f.Close()
	if err != nil {
		return 0, err
	}
	if err := tmp.Commit(key); err != nil {
		return 0, err
	}
	b, err := w.j.store.CreateBasemap(ctx, db.Basemap{ProjectID: a.ProjectID, Name: a.Name + "." + a.Format,
		FileKey: key, Container: a.Format, Size: tmp.Info.Size, SHA256: tmp.Info.SHA256, CreatedBy: a.CreatedBy},
		func(ctx context.Context, tx *sql.Tx, id int64) (int64, error) {
			return w.j.InsertTx(ctx, tx, ValidateBasemapArgs{BasemapID: id, ProjectID: a.ProjectID})
		})
	if err != nil {
		_ = files.Remove(key)
		return 0, err
	}
	return b.ID, nil
}

// progressMessage says how far a generation is, e.g. "1,204 of 5,000 tiles, 18.2 MB (12 not at the source)".
// progressWords is progressMessage with its words.
func progressWords(pr basemapgen.Progress) Words {
	w := Words{Text: progressMessage(pr), ID: "job.basemap.progress",
		Data: map[string]any{"Done": pr.Done, "Total": pr.Total, "Size": pr.Bytes}}
	if pr.Missing > 0 {
		w.ID, w.Data["Missing"] = "job.basemap.progress_missing", pr.Missing
	}
	return w
}

func progressMessage(pr basemapgen.Progress) string {
	msg := fmt.Sprintf("%s of %s tiles, %s", thousands(pr.Done), thousands(pr.Total), megabytes(pr.Bytes))
	if pr.Missing > 0 {
		msg += fmt.Sprintf(" (%s not at the source)", thousands(pr.Missing))
	}
	return msg
}

func megabytes(b int64) string {
	if b < 1e6 {
		return fmt.Sprintf("%d kB", (b+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// requeueInterruptedGenerations makes generation jobs that were running when the server stopped without a
// graceful shutdown (a crash, kill -9, a power cut) available again at start-up, so that they resume from their
// work files at once instead of waiting for River's stuck-job rescue (an hour). One server owns the data
// directory, so no such job can be running anywhere else when it starts.
func (j *Jobs) requeueInterruptedGenerations(ctx context.Context) error {
	_, err := j.store.JobsDB().ExecContext(ctx, `UPDATE river_job SET state = 'available', attempted_by = NULL
		WHERE state = 'running' AND kind = ?`, GenerateBasemapArgs{}.Kind())
	return err
}

// CancelGeneration cancels a generation job: one still waiting ends at once and its work file is removed; a
// running one stops within seconds and removes its own work file. It returns the job's state afterwards.
func (j *Jobs) CancelGeneration(ctx context.Context, id int64) (Status, error) {
	row, err := j.client.JobCancel(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return Status{}, fmt.Errorf("job %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return Status{}, err
	}
	if row.State != "running" {
		_ = basemapgen.RemoveWork(j.store.Dir(), id)
	}
	return j.status(ctx, row)
}

// Generations returns the ids of a project's generation jobs that have not ended, oldest first.
func (j *Jobs) Generations(ctx context.Context, projectID int64) ([]int64, error) {
	rows, err := j.store.JobsDB().QueryContext(ctx, `SELECT id FROM river_job WHERE kind = ?
		AND state IN ('available', 'scheduled', 'retryable', 'running')
		AND json_extract(args, '$.project_id') = ? ORDER BY id LIMIT 20`,
		GenerateBasemapArgs{}.Kind(), projectID)
	if err != nil {
		return nil, fmt.Errorf("generation jobs: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
