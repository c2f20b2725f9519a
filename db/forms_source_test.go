package db

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestCreateFormWithMedia stores a converted form with its workbook and generated media in one transaction: the
// workbook's key counts as referenced (the start-up sweep keeps it), the same version again changes nothing,
// and a conflicting version stores neither the row nor its media.
func TestCreateFormWithMedia(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	f := Form{ProjectID: pid, FormID: "f", Version: "1", Title: "F", XML: []byte("<a/>"), MD5: "m1", CreatedBy: uid,
		Source:   FormSource{Key: "forms/p1/a_f.xlsx", Name: "f.xlsx", Size: 42},
		Warnings: []string{"a warning"}, NeedsMedia: []string{"cities.geojson"}}
	media := []FormMedia{{Name: "itemsets.csv", FileKey: "media/p1/a_itemsets.csv", Size: 3, MD5: "c",
		ContentType: "text/csv"}}
	got, replaced, err := s.CreateFormWithMedia(ctx, f, media)
	if err != nil || len(replaced) != 0 {
		t.Fatalf("create: %v %v", err, replaced)
	}
	stored, err := s.FormByRow(ctx, got.ID)
	if err != nil || stored.Source != f.Source || !reflect.DeepEqual(stored.Warnings, f.Warnings) ||
		!reflect.DeepEqual(stored.NeedsMedia, f.NeedsMedia) {
		t.Errorf("stored %+v (%v)", stored, err)
	}
	if ok, err := s.FileReferenced(ctx, f.Source.Key); err != nil || !ok {
		t.Errorf("workbook key referenced = %v (%v), want true", ok, err)
	}
	if m, err := s.FormMediaFile(ctx, pid, "f", "itemsets.csv"); err != nil || m.FileKey != media[0].FileKey {
		t.Errorf("media %+v (%v)", m, err)
	}

	again := f
	again.Source.Key = "forms/p1/b_f.xlsx"
	got2, _, err := s.CreateFormWithMedia(ctx, again, []FormMedia{{Name: "itemsets.csv",
		FileKey: "media/p1/b_itemsets.csv", Size: 3, MD5: "c", ContentType: "text/csv"}})
	if err != nil || got2.ID != got.ID || got2.Source.Key != f.Source.Key {
		t.Errorf("same version again: %+v (%v); want the stored version unchanged", got2, err)
	}
	if m, _ := s.FormMediaFile(ctx, pid, "f", "itemsets.csv"); m.FileKey != media[0].FileKey {
		t.Errorf("the same version again replaced its media with %s", m.FileKey)
	}

	clash := f
	clash.MD5, clash.Source.Key = "m2", "forms/p1/c_f.xlsx"
	if _, _, err := s.CreateFormWithMedia(ctx, clash, []FormMedia{{Name: "extra.csv", FileKey: "media/p1/c.csv",
		Size: 1, MD5: "d", ContentType: "text/csv"}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := s.FormMediaFile(ctx, pid, "f", "extra.csv"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused version left its media: %v", err)
	}

	v2 := f
	v2.Version, v2.MD5, v2.Source = "2", "m3", FormSource{Key: "forms/p1/d_f.xlsx", Name: "f.xlsx", Size: 43}
	_, replaced, err = s.CreateFormWithMedia(ctx, v2, []FormMedia{{Name: "itemsets.csv",
		FileKey: "media/p1/d_itemsets.csv", Size: 4, MD5: "e", ContentType: "text/csv"}})
	if err != nil || !reflect.DeepEqual(replaced, []string{media[0].FileKey}) {
		t.Errorf("new version: replaced %v (%v), want the old itemsets.csv", replaced, err)
	}
}
