package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// mustProject creates a user and a project owned by them.
func mustProject(t *testing.T, s *Store) (projectID, userID int64) {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, User{Username: "pm", DisplayName: "PM", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, Project{Name: "p", Visibility: "public", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, u.ID
}

func TestCreateForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	v1, err := s.CreateForm(ctx, Form{ProjectID: pid, FormID: "f", Version: "1", Title: "F", XML: []byte("<a/>"),
		MD5: "m1", CreatedBy: uid})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		form        Form
		wantErr     error
		wantID      int64 // 0: a new row
		wantCurrent string
	}{
		{"OKSameBytesSameVersion", Form{Version: "1", MD5: "m1"}, nil, v1.ID, "1"},
		{"ErrChangedBytesSameVersion", Form{Version: "1", MD5: "m2"}, ErrConflict, 0, "1"},
		{"OKNewVersionReplaces", Form{Version: "2", MD5: "m2"}, nil, 0, "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.form
			f.ProjectID, f.FormID, f.Title, f.XML = pid, "f", "F", []byte("<b/>")
			got, err := s.CreateForm(ctx, f)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && tc.wantID != 0 && got.ID != tc.wantID {
				t.Errorf("id = %d, want %d", got.ID, tc.wantID)
			}
			cur, err := s.CurrentForm(ctx, pid, "f")
			if err != nil || cur.Version != tc.wantCurrent {
				t.Errorf("current = %q (%v), want %q", cur.Version, err, tc.wantCurrent)
			}
		})
	}
	old, err := s.FormVersion(ctx, pid, "f", "1")
	if err != nil || string(old.XML) != "<a/>" || old.Current {
		t.Errorf("old version = %+v, %v; want kept and not current", old, err)
	}
	list, err := s.Forms(ctx, pid)
	if err != nil || len(list) != 1 {
		t.Errorf("forms = %d, %v; want 1 current", len(list), err)
	}
}

func TestFormMedia(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, _ := mustProject(t, s)
	if _, err := s.CreateForm(ctx, Form{ProjectID: pid, FormID: "f", Title: "F", XML: []byte("x"), MD5: "m"}); err != nil {
		t.Fatal(err)
	}
	m := FormMedia{ProjectID: pid, FormID: "f", Name: "a.csv", FileKey: "k1", Size: 3, MD5: "h", ContentType: "text/csv"}
	if _, replaced, err := s.PutFormMedia(ctx, m); err != nil || replaced != "" {
		t.Fatalf("put = %q, %v", replaced, err)
	}
	m.FileKey = "k2"
	if _, replaced, err := s.PutFormMedia(ctx, m); err != nil || replaced != "k1" {
		t.Fatalf("replace = %q, %v; want k1 replaced", replaced, err)
	}
	m.FormID = "nope"
	if _, _, err := s.PutFormMedia(ctx, m); !errors.Is(err, ErrNotFound) {
		t.Errorf("media of an unknown form: err = %v, want ErrNotFound", err)
	}
	list, err := s.FormMediaList(ctx, pid, "f")
	if err != nil || len(list) != 1 || list[0].FileKey != "k2" {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestCollectTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	tok, err := s.CreateCollectToken(ctx, CollectToken{ProjectID: pid, Name: "phone", TokenHash: "h1", Nonce: "n1", CreatedBy: uid})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.CollectTokenByHash(ctx, "h1"); err != nil || got.ID != tok.ID {
		t.Fatalf("by hash = %+v, %v", got, err)
	}
	if err := s.RevokeCollectToken(ctx, pid, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CollectTokenByHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: err = %v, want ErrNotFound", err)
	}
	if err := s.RevokeCollectToken(ctx, pid, tok.ID+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: err = %v, want ErrNotFound", err)
	}
	list, err := s.CollectTokens(ctx, pid)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestExports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	boom := errors.New("queue down")
	if _, err := s.CreateExport(ctx, Export{ProjectID: pid, Format: "zip"},
		func(context.Context, *sql.Tx, int64) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the enqueue error", err)
	}
	e, err := s.CreateExport(ctx, Export{ProjectID: pid, Format: "zip", CreatedBy: uid},
		func(context.Context, *sql.Tx, int64) (int64, error) { return 42, nil })
	if err != nil || e.JobID != 42 || e.State != "pending" || e.ID != 1 {
		t.Fatalf("export = %+v, %v; want id 1 (the failed one left no row), job 42, pending", e, err)
	}
	if _, err := s.FinishExport(ctx, e.ID, "exports/1.zip", 10, 3); err != nil {
		t.Fatal(err)
	}
	got, err := s.Export(ctx, e.ID)
	if err != nil || got.State != "done" || got.FileKey != "exports/1.zip" || got.FinishedAt == nil {
		t.Errorf("finished = %+v, %v", got, err)
	}
	if ok, err := s.FileReferenced(ctx, "exports/1.zip"); err != nil || !ok {
		t.Errorf("referenced = %v, %v", ok, err)
	}
}
