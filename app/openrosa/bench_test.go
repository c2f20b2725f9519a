package openrosa

import (
	"strings"
	"testing"
)

// largeSubmission is a submission of n repeat instances (38 bytes each).
func largeSubmission(n int) []byte {
	return []byte(`<data id="big"><meta><instanceID>uuid:big</instanceID></meta>` +
		strings.Repeat("<a><b>1 2</b><file1>x.jpg</file1></a>", n) + `</data>`)
}

func TestLargeSubmissionFlattens(t *testing.T) {
	t.Parallel()
	form := &Form{RootName: "data", Fields: []Field{{Path: "/data/a/b", Type: "geopoint", Repeat: true}}, Repeats: []string{"/data/a"}}
	s := mustParseSubmission(t, largeSubmission(20000))
	cols := Columns(form, Flatten(s.DataFor(form)))
	if len(cols) != 40001 || cols[0] != "a[1]/b" || cols[19999] != "a[20000]/b" {
		t.Fatalf("%d columns, first %q, 20000th %q", len(cols), cols[0], cols[19999])
	}
}

func BenchmarkParseSubmissionLarge(b *testing.B) {
	data := largeSubmission(30000)
	form := &Form{RootName: "data", Fields: []Field{{Path: "/data/a/b", Type: "geopoint", Repeat: true}}, Repeats: []string{"/data/a"}}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s, err := ParseSubmission(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = Columns(form, Flatten(s.DataFor(form)))
	}
}

func BenchmarkParseFormBuildings(b *testing.B) {
	data := fixture(b, "xforms", "buildings.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseForm(data); err != nil {
			b.Fatal(err)
		}
	}
}
