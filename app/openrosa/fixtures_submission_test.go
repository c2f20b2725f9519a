package openrosa

import (
	"reflect"
	"testing"
)

func TestParseSubmissionFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, formID, version, instanceID, deprecatedID string
	}{
		{"simple__one.xml", "simple", "", "one", ""},
		{"simple__two.xml", "simple", "", "two", ""},
		{"simple__three.xml", "simple", "", "three", ""},
		{"simple2__s2one.xml", "simple2", "2.1", "s2one", ""},
		{"withrepeat__rone.xml", "withrepeat", "1.0", "rone", ""},
		{"withrepeat__rtwo.xml", "withrepeat", "1.0", "rtwo", ""},
		{"doubleRepeat__double_unbound-orx.xml", "doubleRepeat", "1.0", "double", ""},
		{"binaryType__both.xml", "binaryType", "", "both", ""},
		{"geotest__1.xml", "geotest", "10", "1", ""},
		{"geotest__1.1_edit.xml", "geotest", "10", "1.1", "1"},
		{"buildings__dummy-id-not-uploaded.xml", "test_form", "v1", "dummy-id-not-uploaded", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			s := mustParseSubmission(t, fixture(t, "submissions", tt.file))
			got := [5]string{s.RootName, s.FormID, s.Version, s.InstanceID, s.DeprecatedID}
			want := [5]string{"data", tt.formID, tt.version, tt.instanceID, tt.deprecatedID}
			if got != want {
				t.Fatalf("root, form, version, instance, deprecated = %q, want %q", got, want)
			}
			meta, ok := s.Data["meta"].(map[string]any)
			if !ok || meta["instanceID"] != tt.instanceID {
				t.Fatalf("data meta = %v, want instanceID %q kept", s.Data["meta"], tt.instanceID)
			}
		})
	}
}

func TestSubmissionFixtureRepeats(t *testing.T) {
	t.Parallel()
	t.Run("WithRepeatTwoChildren", func(t *testing.T) {
		t.Parallel()
		s := mustParseSubmission(t, fixture(t, "submissions", "withrepeat__rtwo.xml"))
		want := []any{
			map[string]any{"name": "Billy", "age": "4"},
			map[string]any{"name": "Blaine", "age": "6"},
		}
		children := s.Data["children"].(map[string]any)
		if !reflect.DeepEqual(children["child"], want) {
			t.Fatalf("children = %#v, want %#v", children["child"], want)
		}
	})
	t.Run("DoubleRepeatNestedArrays", func(t *testing.T) {
		t.Parallel()
		s := mustParseSubmission(t, fixture(t, "submissions", "doubleRepeat__double_unbound-orx.xml"))
		kids := s.Data["children"].(map[string]any)["child"].([]any)
		var toys []int
		for _, k := range kids {
			n := 0
			if tm, ok := k.(map[string]any)["toys"].(map[string]any); ok {
				n = len(tm["toy"].([]any))
			}
			toys = append(toys, n)
		}
		if !reflect.DeepEqual(toys, []int{0, 4, 4}) {
			t.Fatalf("toys per child = %v, want [0 4 4]", toys)
		}
		last := kids[2].(map[string]any)["toys"].(map[string]any)["toy"].([]any)[3]
		if !reflect.DeepEqual(last, map[string]any{"name": "Princess Luna"}) {
			t.Fatalf("last toy = %v", last)
		}
	})
	t.Run("SingleRepeatInstanceIsArrayWithForm", func(t *testing.T) {
		t.Parallel()
		form := mustParseForm(t, fixture(t, "xforms", "withrepeat.xml"))
		s := mustParseSubmission(t, []byte(`<data id="withrepeat"><meta><instanceID>x</instanceID></meta><children><child><name>Solo</name></child></children></data>`))
		if _, isMap := s.Data["children"].(map[string]any)["child"].(map[string]any); !isMap {
			t.Fatalf("without the form a single child should be a map, got %#v", s.Data["children"])
		}
		shaped := s.DataFor(form)
		want := []any{map[string]any{"name": "Solo"}}
		if got := shaped["children"].(map[string]any)["child"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("DataFor child = %#v, want %#v", got, want)
		}
	})
}

func TestSubmissionFixtureFields(t *testing.T) {
	t.Parallel()
	t.Run("BinaryTypeAttachments", func(t *testing.T) {
		t.Parallel()
		form := mustParseForm(t, fixture(t, "xforms", "binaryType.xml"))
		s := mustParseSubmission(t, fixture(t, "submissions", "binaryType__both.xml"))
		want := []string{"my_file1.mp4", "here_is_file2.jpg"}
		if got := s.BinaryValues(form); !reflect.DeepEqual(got, want) {
			t.Fatalf("binary values = %v, want %v", got, want)
		}
	})
	t.Run("BuildingsImageTaskIDAndPoint", func(t *testing.T) {
		t.Parallel()
		form := mustParseForm(t, fixture(t, "xforms", "buildings.xml"))
		s := mustParseSubmission(t, fixture(t, "submissions", "buildings__dummy-id-not-uploaded.xml"))
		if got := s.BinaryValues(form); !reflect.DeepEqual(got, []string{"submission_image.png"}) {
			t.Fatalf("binary values = %v", got)
		}
		if v, ok := s.Find("task_id"); !ok || v != "" {
			t.Fatalf("task_id = %q, %v; want empty and present", v, ok)
		}
		if _, ok := s.Find("feature_id"); ok {
			t.Fatal("feature_id found, want absent")
		}
		lon, lat, ok := s.FirstGeopoint(form)
		if !ok || lat != 12.750577838121643 || lon != -24.776785714285722 {
			t.Fatalf("first geopoint = %v %v %v", lon, lat, ok)
		}
	})
	t.Run("GeotestFirstGeopointAndEdit", func(t *testing.T) {
		t.Parallel()
		form := mustParseForm(t, fixture(t, "xforms", "geotest.xml"))
		tests := []struct {
			file     string
			lon, lat float64
		}{
			{"geotest__1.xml", 0, 50},
			{"geotest__1.1_edit.xml", 1.1, 1.1},
		}
		for _, tt := range tests {
			s := mustParseSubmission(t, fixture(t, "submissions", tt.file))
			lon, lat, ok := s.FirstGeopoint(form)
			if !ok || lon != tt.lon || lat != tt.lat {
				t.Fatalf("%s: first geopoint = %v %v %v, want %v %v", tt.file, lon, lat, ok, tt.lon, tt.lat)
			}
		}
		s := mustParseSubmission(t, fixture(t, "submissions", "geotest__1.xml"))
		if v, _ := s.Value("/data/plural/input_geopoint_repeat"); v != "60 0 0 0" {
			t.Fatalf("Value of first repeat geopoint = %q", v)
		}
		plural := s.DataFor(form)["plural"].([]any)
		nested := plural[1].(map[string]any)["nested_repeat"].([]any)
		if len(plural) != 2 || len(nested) != 1 {
			t.Fatalf("plural %d, nested %d; want 2 and 1", len(plural), len(nested))
		}
	})
}
