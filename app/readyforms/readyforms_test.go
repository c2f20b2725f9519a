package readyforms

import (
	"errors"
	"strings"
	"testing"

	"fieldbase/app/openrosa"
)

// TestForms checks every ready form parses as an XForm whose id is its name, has a title, a required geopoint,
// a photo and only required questions a person can answer.
func TestForms(t *testing.T) {
	t.Parallel()
	if len(List()) != 4 {
		t.Fatalf("%d ready forms, want 4", len(List()))
	}
	for _, rf := range List() {
		t.Run(rf.Name, func(t *testing.T) {
			xml, err := XML(rf.Name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := openrosa.ParseForm(xml)
			if err != nil {
				t.Fatal(err)
			}
			if f.ID != rf.Name || f.Title != rf.Title || f.Version == "" {
				t.Errorf("id %q title %q version %q; want %q %q and a version", f.ID, f.Title, f.Version, rf.Name, rf.Title)
			}
			types := map[string]bool{}
			for _, fd := range f.Fields {
				types[fd.Type] = true
			}
			if !types["geopoint"] || !types["binary"] {
				t.Errorf("field types %v: want a geopoint and a photo", types)
			}
			if !strings.Contains(string(xml), `type="geopoint" required="true()"`) {
				t.Error("the location is not required")
			}
			if rf.Description == "" || strings.Contains(rf.Description, "_") {
				t.Errorf("description %q", rf.Description)
			}
		})
	}
	if _, err := XML("../readyforms"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown name: %v", err)
	}
}
