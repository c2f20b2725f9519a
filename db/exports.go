package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Export is a file built by a background job from a project's submissions.
type Export struct {
	ID         int64
	ProjectID  int64
	Format     string // zip
	State      string // pending, done or failed
	JobID      int64
	FileKey    string
	Size       int64
	Rows       int
	CreatedBy  int64
	CreatedAt  time.Time
	FinishedAt *time.Time
}

const exportColumns = `id, project_id, format, state, job_id, coalesce(file_key, ''), size, rows,
	coalesce(created_by, 0), created_at, finished_at`

func scanExport(row scanner) (Export, error) {
	var e Export
	var created string
	var finished sql.NullString
	if err := row.Scan(&e.ID, &e.ProjectID, &e.Format, &e.State, &e.JobID, &e.FileKey, &e.Size, &e.Rows,
		&e.CreatedBy, &created, &finished); err != nil {
		return Export{}, mapErr(err)
	}
	e.CreatedAt = parseTime(created)
	if finished.Valid {
		f := parseTime(finished.String)
		e.FinishedAt = &f
	}
	return e, nil
}

// CreateExport stores a pending export and, in the same write, calls enqueue to insert the job that builds it,
// so that the export exists if and only if its job does.
func (s *Store) CreateExport(ctx context.Context, e Export,
	enqueue func(ctx context.Context, tx *sql.Tx, exportID int64) (int64, error)) (Export, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO exports (project_id, format, created_by, created_at)
			VALUES (?, ?, ?, ?) RETURNING id`, e.ProjectID, e.Format, nullID(e.CreatedBy), now()).Scan(&id)
		if err != nil {
			return err
		}
		jobID, err := enqueue(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("enqueue export: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE exports SET job_id = ? WHERE id = ?", jobID, id); err != nil {
			return err
		}
		e, err = scanExport(tx.QueryRowContext(ctx, "SELECT "+exportColumns+" FROM exports WHERE id = ?", id))
		return err
	})
	return e, err
}

// Export returns an export, or ErrNotFound.
func (s *Store) Export(ctx context.Context, id int64) (Export, error) {
	return scanExport(s.read.QueryRowContext(ctx, "SELECT "+exportColumns+" FROM exports WHERE id = ?", id))
}

// FinishExport records the built file of an export. It returns the key of a file an earlier run recorded, if
// any, for the caller to remove.
func (s *Store) FinishExport(ctx context.Context, id int64, fileKey string, size int64, rows int) (string, error) {
	var old string
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(file_key, '') FROM exports WHERE id = ?", id).
			Scan(&old); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE exports SET state = 'done', file_key = ?, size = ?, rows = ?,
			finished_at = ? WHERE id = ?`, fileKey, size, rows, now(), id)
		return err
	})
	return old, err
}

// FailExport marks an export failed.
func (s *Store) FailExport(ctx context.Context, id int64) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE exports SET state = 'failed', finished_at = ? WHERE id = ?", now(), id)
		return err
	})
}
