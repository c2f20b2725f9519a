package openrosa

import (
	"reflect"
	"testing"
)

func TestParseFormFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, id, version, title, root string
		repeats                        []string
	}{
		{"simple.xml", "simple", "", "Simple", "data", nil},
		{"simple2.xml", "simple2", "2.1", "Simple 2", "data", nil},
		{"withrepeat.xml", "withrepeat", "1.0", "withrepeat", "data", []string{"/data/children/child"}},
		{"doubleRepeat.xml", "doubleRepeat", "1.0", "doubleRepeat", "data", []string{"/data/children/child", "/data/children/child/toys/toy"}},
		{"binaryType.xml", "binaryType", "", "Submission", "data", nil},
		{"withAttachments.xml", "withAttachments", "", "withAttachments", "data", nil},
		{"geotest.xml", "geotest", "10", "Geotest", "data", []string{"/data/plural", "/data/plural/nested_repeat"}},
		{"buildings.xml", "test_form", "v1", "building", "data", nil},
		{"buildings_geojson_upload.xml", "test_form_geojson", "2023-05-02 10:43:54", "Buildings", "data", nil},
		{"all-widgets.xml", "all-widgets", "2019121101", "All widgets", "data", nil},
		{"pyxform_widgets.xml", "widgets", "", "widgets", "widgets", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := mustParseForm(t, fixture(t, "xforms", tt.file))
			got := [4]string{f.ID, f.Version, f.Title, f.RootName}
			if want := [4]string{tt.id, tt.version, tt.title, tt.root}; got != want {
				t.Fatalf("id, version, title, root = %q, want %q", got, want)
			}
			if !reflect.DeepEqual(f.Repeats, tt.repeats) {
				t.Fatalf("repeats = %v, want %v", f.Repeats, tt.repeats)
			}
			if len(f.Fields) == 0 {
				t.Fatal("no fields")
			}
		})
	}
}

func TestParseFormFixtureFields(t *testing.T) {
	t.Parallel()
	t.Run("WithRepeatTypesAndRepeatFlags", func(t *testing.T) {
		t.Parallel()
		f := mustParseForm(t, fixture(t, "xforms", "withrepeat.xml"))
		want := []Field{
			{Path: "/data/meta/instanceID", Type: "string"},
			{Path: "/data/name", Type: "string", Control: "input"},
			{Path: "/data/age", Type: "int", Control: "input"},
			{Path: "/data/children/child/name", Type: "string", Control: "input", Repeat: true},
			{Path: "/data/children/child/age", Type: "int", Control: "input", Repeat: true},
		}
		if !reflect.DeepEqual(f.Fields, want) {
			t.Fatalf("fields = %+v\nwant %+v", f.Fields, want)
		}
	})
	t.Run("GeotestGeoTypes", func(t *testing.T) {
		t.Parallel()
		f := mustParseForm(t, fixture(t, "xforms", "geotest.xml"))
		want := map[string]string{
			"/data/singular/input_geopoint":                                              "geopoint",
			"/data/singular/input_geotrace":                                              "geotrace",
			"/data/singular/input_geoshape":                                              "geoshape",
			"/data/plural/input_geopoint_repeat":                                         "geopoint",
			"/data/plural/input_geotrace_repeat":                                         "geotrace",
			"/data/plural/input_geoshape_repeat":                                         "geoshape",
			"/data/plural/nested_repeat/repeatnested_group/input_geopoint_deeply_nested": "geopoint",
		}
		geo := map[string]string{}
		for _, fd := range f.Fields {
			if fd.IsGeo() {
				geo[fd.Path] = fd.Type
			}
		}
		if !reflect.DeepEqual(geo, want) {
			t.Fatalf("geo fields = %v, want %v", geo, want)
		}
		if fd, _ := f.Field("input_geopoint_repeat"); !fd.Repeat {
			t.Fatal("input_geopoint_repeat is not marked as inside a repeat")
		}
		if fd, _ := f.Field("input_geopoint"); fd.Repeat {
			t.Fatal("input_geopoint is marked as inside a repeat")
		}
		if got := len(fieldPaths(f)); got != 12 {
			t.Fatalf("%d fields, want 12 (the duplicated template instance counted once)", got)
		}
	})
	t.Run("BuildingsTaskIDAndImages", func(t *testing.T) {
		t.Parallel()
		f := mustParseForm(t, fixture(t, "xforms", "buildings.xml"))
		fd, ok := f.Field("task_id")
		if !ok || fd.Path != "/data/task_id" || fd.Type != "string" {
			t.Fatalf("task_id field = %+v, %v", fd, ok)
		}
		if f.HasField("feature_id") {
			t.Fatal("buildings.xml has no feature_id field")
		}
		var images []string
		for _, fd := range f.Fields {
			if fd.Type == "binary" {
				images = append(images, fd.Path)
			}
		}
		want := []string{"/data/verification/image", "/data/verification/image2", "/data/verification/image3"}
		if !reflect.DeepEqual(images, want) {
			t.Fatalf("binary fields = %v, want %v", images, want)
		}
	})
	t.Run("BinaryTypeFields", func(t *testing.T) {
		t.Parallel()
		f := mustParseForm(t, fixture(t, "xforms", "binaryType.xml"))
		for _, name := range []string{"file1", "file2"} {
			if fd, _ := f.Field(name); fd.Type != "binary" || fd.Control != "upload" {
				t.Fatalf("%s = %+v, want a binary upload", name, fd)
			}
		}
	})
}

func TestParseFormFixtureMedia(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []MediaRef
	}{
		{"withAttachments.xml", []MediaRef{{"goodone.csv", "file"}, {"goodtwo.mp3", "audio"}}},
		{"buildings.xml", []MediaRef{{"features.csv", "file"}, {"null.csv", "file"}}},
		{"buildings_geojson_upload.xml", []MediaRef{{"osm_buildings.geojson", "file"}}},
		{"pyxform_widgets.xml", []MediaRef{{"a.jpg", "image"}, {"b.jpg", "image"}, {"happy.jpg", "image"}, {"sad.jpg", "image"}}},
		{"simple.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := mustParseForm(t, fixture(t, "xforms", tt.file))
			if !sameMedia(f.MediaFiles, tt.want) {
				t.Fatalf("media = %v, want %v", f.MediaFiles, tt.want)
			}
		})
	}
}
