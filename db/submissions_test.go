package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func mustForm(t *testing.T, s *Store, pid int64) Form {
	t.Helper()
	f, err := s.CreateForm(context.Background(), Form{ProjectID: pid, FormID: "f", Title: "F", XML: []byte("x"), MD5: "m"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustFeature(t *testing.T, s *Store, pid int64) int64 {
	t.Helper()
	var id int64
	err := s.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO features (project_id, geometry, lon, lat)
			VALUES (?, '{"type":"Point","coordinates":[1,2]}', 1, 2) RETURNING id`, pid).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func featureStatus(t *testing.T, s *Store, id int64) string {
	t.Helper()
	var st string
	if err := s.DB().QueryRow("SELECT status FROM features WHERE id = ?", id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSaveSubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	form := mustForm(t, s, pid)
	fid := mustFeature(t, s, pid)
	base := Submission{ProjectID: pid, FormRow: form.ID, FormID: "f", InstanceID: "uuid:1", XML: []byte("<d/>"),
		XMLSHA256: "aaa", SubmitterID: uid, FeatureID: fid}
	att := func(name, key string) Attachment {
		return Attachment{Name: name, FileKey: key, Size: 1, SHA256: "s", ContentType: "image/jpeg"}
	}
	tests := []struct {
		name                   string
		sha                    string
		atts                   []Attachment
		wantErr                error
		wantCreated            bool
		wantAdded, wantSkipped int
		wantAttachments        int
	}{
		{"OKNewWithFirstFile", "aaa", []Attachment{att("a.jpg", "k1")}, nil, true, 1, 0, 1},
		{"OKSecondPartAddsMissing", "aaa", []Attachment{att("a.jpg", "k2"), att("b.jpg", "k3")}, nil, false, 1, 1, 2},
		{"OKIdenticalRetryStoresNothing", "aaa", []Attachment{att("b.jpg", "k4")}, nil, false, 0, 1, 2},
		{"ErrDifferentXML", "bbb", []Attachment{att("c.jpg", "k5")}, ErrConflict, false, 0, 0, 2},
	}
	var id int64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := base
			sub.XMLSHA256 = tc.sha
			res, err := s.SaveSubmission(ctx, sub, tc.atts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				id = res.Submission.ID
				if res.Created != tc.wantCreated || len(res.Added) != tc.wantAdded || len(res.Skipped) != tc.wantSkipped {
					t.Errorf("created %v added %d skipped %d; want %v %d %d", res.Created, len(res.Added),
						len(res.Skipped), tc.wantCreated, tc.wantAdded, tc.wantSkipped)
				}
			}
			atts, err := s.Attachments(ctx, id)
			if err != nil || len(atts) != tc.wantAttachments {
				t.Errorf("attachments = %d, %v; want %d", len(atts), err, tc.wantAttachments)
			}
		})
	}
	if st := featureStatus(t, s, fid); st != "submitted" {
		t.Errorf("feature status = %q, want submitted", st)
	}
	for key, want := range map[string]bool{"k1": true, "k3": true, "k2": false, "k5": false} {
		if ok, err := s.FileReferenced(ctx, key); err != nil || ok != want {
			t.Errorf("referenced(%s) = %v, %v; want %v", key, ok, err, want)
		}
	}
}

func TestReviewSubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	form := mustForm(t, s, pid)
	fid := mustFeature(t, s, pid)
	res, err := s.SaveSubmission(ctx, Submission{ProjectID: pid, FormRow: form.ID, FormID: "f", InstanceID: "i",
		XML: []byte("<d/>"), XMLSHA256: "a", FeatureID: fid}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, state, wantFeature string
	}{
		{"OKHasIssuesKeepsFeature", "has_issues", "submitted"},
		{"OKApprovedValidates", "approved", "validated"},
		{"OKRejectedMarksBad", "rejected", "bad"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ReviewSubmission(ctx, pid, res.Submission.ID, uid, tc.state, "c")
			if err != nil || got.ReviewState != tc.state {
				t.Fatalf("review = %q, %v", got.ReviewState, err)
			}
			if st := featureStatus(t, s, fid); st != tc.wantFeature {
				t.Errorf("feature = %q, want %q", st, tc.wantFeature)
			}
			hist, err := s.Reviews(ctx, res.Submission.ID)
			if err != nil || len(hist) != i+1 || hist[i].ToState != tc.state {
				t.Errorf("history = %+v, %v", hist, err)
			}
		})
	}
	if _, err := s.ReviewSubmission(ctx, pid+1, res.Submission.ID, uid, "approved", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("other project: err = %v, want ErrNotFound", err)
	}
}

func TestSubmissionsFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	form := mustForm(t, s, pid)
	for i, inst := range []string{"a", "b", "c", "d", "e"} {
		sub := Submission{ProjectID: pid, FormRow: form.ID, FormID: "f", InstanceID: inst, XML: []byte("<d/>"),
			XMLSHA256: inst}
		if i%2 == 0 {
			sub.SubmitterID = uid
		}
		if _, err := s.SaveSubmission(ctx, sub, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		f         SubmissionFilter
		wantTotal int
		wantPage  int
	}{
		{"OKAll", SubmissionFilter{}, 5, 5},
		{"OKPaged", SubmissionFilter{Limit: 2, Offset: 4}, 5, 1},
		{"OKBySubmitter", SubmissionFilter{SubmitterID: uid}, 3, 3},
		{"OKByState", SubmissionFilter{ReviewState: "approved"}, 0, 0},
		{"OKByForm", SubmissionFilter{FormID: "other"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f.ProjectID = pid
			list, total, err := s.Submissions(ctx, tc.f)
			if err != nil || total != tc.wantTotal || len(list) != tc.wantPage {
				t.Errorf("got %d of %d (%v), want %d of %d", len(list), total, err, tc.wantPage, tc.wantTotal)
			}
		})
	}
}
