package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// SubmissionFilter narrows a submission listing; zero values do not filter.
type SubmissionFilter struct {
	ProjectID   int64
	FormID      string
	TaskID      int64
	FeatureID   int64
	SubmitterID int64
	ReviewState string
	From, To    time.Time // created_at in [From, To)
	AfterID     int64     // keyset: only ids above this (for streaming exports)
	Limit       int       // 0 means no limit
	Offset      int
	WithXML     bool // load the XML (exports); listings leave it empty
}

func (f SubmissionFilter) where() (string, []any) {
	conds := []string{"s.project_id = ?"}
	args := []any{f.ProjectID}
	add := func(cond string, v any) { conds = append(conds, cond); args = append(args, v) }
	if f.FormID != "" {
		add("s.form_id = ?", f.FormID)
	}
	if f.TaskID != 0 {
		add("s.task_id = ?", f.TaskID)
	}
	if f.FeatureID != 0 {
		add("s.feature_id = ?", f.FeatureID)
	}
	if f.SubmitterID != 0 {
		add("s.submitter_id = ?", f.SubmitterID)
	}
	if f.ReviewState != "" {
		add("s.review_state = ?", f.ReviewState)
	}
	if !f.From.IsZero() {
		add("s.created_at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		add("s.created_at < ?", formatTime(f.To))
	}
	if f.AfterID != 0 {
		add("s.id > ?", f.AfterID)
	}
	return strings.Join(conds, " AND "), args
}

// Submissions lists a project's submissions matching f, oldest first, with the total before paging.
func (s *Store) Submissions(ctx context.Context, f SubmissionFilter) ([]Submission, int, error) {
	where, args := f.where()
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM submissions s WHERE "+where, args...).
		Scan(&total); err != nil {
		return nil, 0, err
	}
	out := []Submission{}
	err := s.EachSubmission(ctx, f, func(sub Submission) error {
		out = append(out, sub)
		return nil
	})
	return out, total, err
}

// EachSubmission calls fn for every submission matching f, in id order, reading in pages so that exports stream
// without holding a read transaction for the whole run.
func (s *Store) EachSubmission(ctx context.Context, f SubmissionFilter, fn func(Submission) error) error {
	cols := submissionColumns
	if !f.WithXML {
		cols = strings.Replace(cols, "s.xml,", "x'',", 1)
	}
	remaining, offset := f.Limit, f.Offset
	for {
		page := 1000
		if f.Limit > 0 {
			page = min(page, remaining)
		}
		where, args := f.where()
		rows, err := s.read.QueryContext(ctx, "SELECT "+cols+" FROM submissions s WHERE "+where+
			" ORDER BY s.id LIMIT ? OFFSET ?", append(args, page, offset)...)
		if err != nil {
			return err
		}
		n, last, err := eachRow(rows, fn)
		if err != nil || n < page {
			return err
		}
		f.AfterID, offset = last, 0
		if f.Limit > 0 {
			if remaining -= n; remaining == 0 {
				return nil
			}
		}
	}
}

func eachRow(rows *sql.Rows, fn func(Submission) error) (int, int64, error) {
	defer rows.Close()
	var page []Submission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return 0, 0, err
		}
		page = append(page, sub)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	rows.Close()
	// fn runs after the rows are closed, so a slow consumer (a network client) never holds a read snapshot.
	for _, sub := range page {
		if err := fn(sub); err != nil {
			return 0, 0, err
		}
	}
	if len(page) == 0 {
		return 0, 0, nil
	}
	return len(page), page[len(page)-1].ID, nil
}

// Review is one change of a submission's review state.
type Review struct {
	ID           int64
	SubmissionID int64
	UserID       int64
	ReviewerName string // the reviewer's display name (or username), filled by Reviews
	FromState    string
	ToState      string
	Comment      string
	CreatedAt    time.Time
}

// ReviewSubmission sets a submission's review state and records the change in its history, in one write. A
// linked feature follows: approved makes it validated, rejected makes it bad.
func (s *Store) ReviewSubmission(ctx context.Context, projectID, id, userID int64, state, comment string) (Submission,
	error) {
	var out Submission
	var told []int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := scanSubmission(tx.QueryRowContext(ctx, "SELECT "+submissionColumns+
			" FROM submissions s WHERE s.project_id = ? AND s.id = ?", projectID, id))
		if err != nil {
			return err
		}
		t := now()
		if _, err := tx.ExecContext(ctx, "UPDATE submissions SET review_state = ?, updated_at = ? WHERE id = ?",
			state, t, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO submission_reviews (submission_id, user_id, from_state,
			to_state, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`, id, nullID(userID), old.ReviewState, state,
			comment, t); err != nil {
			return err
		}
		if err := followFeature(ctx, tx, old, state); err != nil {
			return err
		}
		if told, err = insertNotices(ctx, tx, reviewNotices(old, userID, state, comment)); err != nil {
			return err
		}
		old.ReviewState, old.UpdatedAt = state, parseTime(t)
		out = old
		return nil
	})
	if err == nil {
		s.told(told)
	}
	return out, err
}

func followFeature(ctx context.Context, tx *sql.Tx, sub Submission, state string) error {
	status := map[string]string{"approved": "validated", "rejected": "bad"}[state]
	if sub.FeatureID == 0 || status == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, "UPDATE features SET status = ? WHERE id = ? AND project_id = ?", status,
		sub.FeatureID, sub.ProjectID)
	if err != nil {
		return fmt.Errorf("feature status: %w", err)
	}
	return nil
}

// Reviews returns a submission's review history, oldest first.
func (s *Store) Reviews(ctx context.Context, submissionID int64) ([]Review, error) {
	return queryAll(ctx, s.read, func(row scanner) (Review, error) {
		var r Review
		var created string
		err := row.Scan(&r.ID, &r.SubmissionID, &r.UserID, &r.ReviewerName, &r.FromState, &r.ToState, &r.Comment,
			&created)
		r.CreatedAt = parseTime(created)
		return r, err
	}, `SELECT r.id, r.submission_id, coalesce(r.user_id, 0), `+personName("u")+`, r.from_state, r.to_state,
		r.comment, r.created_at FROM submission_reviews r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.submission_id = ? ORDER BY r.id`, submissionID)
}

// reviewNotices are the notifications a review causes: the submitter hears that their submission has issues
// (with the reviewer's comment) when it newly does.
func reviewNotices(sub Submission, reviewerID int64, state, comment string) []Notice {
	if state != "has_issues" || sub.ReviewState == state || sub.SubmitterID == 0 {
		return nil
	}
	return []Notice{{UserID: sub.SubmitterID, Kind: NoticeSubmissionHasIssues, ProjectID: sub.ProjectID,
		TaskID: sub.TaskID, SubmissionID: sub.ID, ActorID: reviewerID, Params: map[string]string{"comment": comment}}}
}
