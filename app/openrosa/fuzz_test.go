package openrosa

import (
	"os"
	"path/filepath"
	"testing"
)

// addXMLSeeds adds every testdata file and, when present, every fixture
// XForm and submission to the fuzz corpus.
func addXMLSeeds(f *testing.F) {
	f.Helper()
	var paths []string
	for _, pattern := range []string{
		filepath.Join("testdata", "*"),
		filepath.Join("..", "..", "..", "shared", "fixtures", "submissions", "*.xml"),
		filepath.Join("..", "..", "..", "shared", "fixtures", "xforms", "*.xml"),
	} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(`<d id="x"><orx:meta><orx:instanceID>i</orx:instanceID></orx:meta><a><b/><b>1 2</b></a></d>`))
}

func FuzzParseSubmission(f *testing.F) {
	addXMLSeeds(f)
	form := &Form{RootName: "data", Fields: []Field{
		{Path: "/data/a/b", Type: "geopoint"}, {Path: "/data/file1", Type: "binary"},
	}, Repeats: []string{"/data/a"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSubmission(data)
		if err != nil {
			if s != nil {
				t.Fatal("submission returned with an error")
			}
			return
		}
		if s.InstanceID == "" || s.FormID == "" {
			t.Fatalf("accepted without ids: %+v", s)
		}
		_ = Columns(form, Flatten(s.Data), Flatten(s.DataFor(form)))
		_ = s.BinaryValues(form)
		s.FirstGeopoint(form)
		s.Find("task_id")
		s.Value("a/b")
	})
}

func FuzzParseForm(f *testing.F) {
	addXMLSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := ParseForm(data)
		if err != nil {
			return
		}
		if form.ID == "" || form.Title == "" {
			t.Fatalf("accepted without id or title: %+v", form)
		}
		_ = Columns(form)
	})
}
