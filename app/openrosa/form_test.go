package openrosa

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFormRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		message string // exact message, or a prefix when it ends with "..."
		cause   error
	}{
		{"ErrNotXML", "not_xml.txt", "the document is not well-formed XML: ...", nil},
		{"ErrNotAnXForm", "form_not_xform.xml", "the form root element is <data>, not <h:html>", nil},
		{"ErrNoHead", "form_no_head.xml", "the form has no h:head", nil},
		{"ErrNoID", "form_no_id.xml", "the primary instance root <data> has no id attribute", nil},
		{"ErrNoPrimaryInstance", "form_no_instance.xml", "the form has no primary instance (h:head/model/instance)", nil},
		{"ErrFileNameID", "form_xml_id.xml", "the form id survey.xlsx must not end in .xls, .xlsx or .xml", nil},
		{"ErrBillionLaughs", "billion_laughs.xml", "the document contains a DOCTYPE or ENTITY declaration, which is not accepted", ErrUnsafeXML},
		{"ErrExternalEntity", "external_entity.xml", "the document contains a DOCTYPE or ENTITY declaration, which is not accepted", ErrUnsafeXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseForm(readTestdata(t, tt.file))
			if f != nil {
				t.Fatalf("ParseForm returned a form: %+v", f)
			}
			fe := wantFormError(t, err, "")
			if prefix, ok := strings.CutSuffix(tt.message, "..."); ok {
				if !strings.HasPrefix(fe.Message, prefix) {
					t.Fatalf("message = %q, want prefix %q", fe.Message, prefix)
				}
			} else if fe.Message != tt.message {
				t.Fatalf("message = %q, want %q", fe.Message, tt.message)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Fatalf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
}

func TestParseFormNoTitleFallsBackToID(t *testing.T) {
	t.Parallel()
	f := mustParseForm(t, readTestdata(t, "form_no_title.xml"))
	if f.ID != "untitled" || f.Title != "untitled" || f.RootName != "survey" {
		t.Fatalf("got id %q title %q root %q, want untitled/untitled/survey", f.ID, f.Title, f.RootName)
	}
	want := []string{"/survey/meta/instanceID", "/survey/q"}
	if got := fieldPaths(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestParseFormMediaAndBinds(t *testing.T) {
	t.Parallel()
	f := mustParseForm(t, readTestdata(t, "form_media.xml"))
	if f.Title != "Media & more" || f.Version != "2024 03 01" {
		t.Fatalf("title %q version %q", f.Title, f.Version)
	}
	wantMedia := []MediaRef{
		{"fruits.csv", "file"},
		{"big.jpg", "image"},
		{"clip.mp4", "video"},
		{"default.png", "image"},
		{"shops.csv", "file"},
		{"itemsets.csv", "file"},
	}
	if !sameMedia(f.MediaFiles, wantMedia) {
		t.Fatalf("media = %v, want %v", f.MediaFiles, wantMedia)
	}
	wantFields := []Field{
		{Path: "/data/photo", Type: "binary", Control: "upload"},
		{Path: "/data/place", Type: "geopoint", Control: "input"},
		{Path: "/data/fruit", Type: "string", Control: "select1"},
		{Path: "/data/city", Type: "string", Control: "input"},
		{Path: "/data/meta/instanceID", Type: "string"},
	}
	if !reflect.DeepEqual(f.Fields, wantFields) {
		t.Fatalf("fields = %+v\nwant %+v", f.Fields, wantFields)
	}
	if !f.HasField("fruit") || f.HasField("data") || f.HasField("meta") {
		t.Fatalf("HasField answers wrong for fruit/data/meta")
	}
}

func TestParseFormLimits(t *testing.T) {
	t.Parallel()
	deep := "<h:html xmlns:h=\"x\">" + strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1) + "</h:html>"
	big := make([]byte, MaxDocumentBytes+1)
	tests := []struct {
		name string
		data []byte
	}{
		{"ErrTooDeep", []byte(deep)},
		{"ErrTooLarge", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseForm(tt.data)
			wantFormError(t, err, "the document is too large or too deeply nested")
			if !errors.Is(err, ErrXMLLimit) {
				t.Fatalf("error %v does not wrap ErrXMLLimit", err)
			}
		})
	}
}

// fieldPaths lists the paths of a form's fields.
func fieldPaths(f *Form) []string {
	paths := make([]string, 0, len(f.Fields))
	for _, fd := range f.Fields {
		paths = append(paths, fd.Path)
	}
	return paths
}

// sameMedia compares media lists ignoring order.
func sameMedia(got, want []MediaRef) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}
