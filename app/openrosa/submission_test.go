package openrosa

import (
	"errors"
	"testing"
)

func TestParseSubmissionRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, message string
		cause               error
	}{
		{"ErrNoInstanceID", "sub_no_instanceid.xml", "the submission has no meta/instanceID", nil},
		{"ErrNoFormID", "sub_no_id.xml", "the submission root <data> has no id attribute", nil},
		{"ErrBillionLaughs", "billion_laughs.xml", "the document contains a DOCTYPE or ENTITY declaration, which is not accepted", ErrUnsafeXML},
		{"ErrExternalEntity", "external_entity.xml", "the document contains a DOCTYPE or ENTITY declaration, which is not accepted", ErrUnsafeXML},
		{"ErrUndeclaredEntity", "undeclared_entity.xml", "the document is not well-formed XML: XML syntax error on line 1: invalid character entity &xxe;", nil},
		{"ErrTwoRoots", "two_roots.xml", "the document is not well-formed XML: more than one root element", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseSubmission(readTestdata(t, tt.file))
			if s != nil {
				t.Fatalf("ParseSubmission returned %+v", s)
			}
			wantFormError(t, err, tt.message)
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Fatalf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
}

func TestSubmissionHelpers(t *testing.T) {
	t.Parallel()
	s := mustParseSubmission(t, readTestdata(t, "sub_root_attr.xml"))
	t.Run("InstanceIDFromRootAttribute", func(t *testing.T) {
		t.Parallel()
		if s.InstanceID != "uuid:legacy" || s.RootName != "survey" || s.FormID != "legacy" {
			t.Fatalf("got %q %q %q", s.InstanceID, s.RootName, s.FormID)
		}
	})
	t.Run("FindAndValueUnescapeAndTrim", func(t *testing.T) {
		t.Parallel()
		tests := []struct{ lookup, want string }{
			{"task_id", "7"},
			{"name", "Zoë & co"},
		}
		for _, tt := range tests {
			if got, ok := s.Find(tt.lookup); !ok || got != tt.want {
				t.Fatalf("Find(%q) = %q, %v; want %q", tt.lookup, got, ok, tt.want)
			}
			if got, ok := s.Value("/survey/" + tt.lookup); !ok || got != tt.want {
				t.Fatalf("Value(%q) = %q, %v; want %q", tt.lookup, got, ok, tt.want)
			}
		}
		if _, ok := s.Value("missing/path"); ok {
			t.Fatal("Value found a missing path")
		}
	})
	t.Run("FirstGeopointSkipsInvalidPoints", func(t *testing.T) {
		t.Parallel()
		form := &Form{RootName: "survey", Fields: []Field{
			{Path: "/survey/place", Type: "geopoint"},
			{Path: "/survey/place2", Type: "geopoint"},
		}}
		lon, lat, ok := s.FirstGeopoint(form)
		if !ok || lon != 151.25 || lat != -33.5 {
			t.Fatalf("first geopoint = %v %v %v, want 151.25 -33.5 (95 is no latitude)", lon, lat, ok)
		}
		if _, _, ok := s.FirstGeopoint(nil); ok {
			t.Fatal("FirstGeopoint without a form found a point")
		}
	})
}

func TestParseGeopoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		lon, lat float64
		ok       bool
	}{
		{"OKFull", "12.5 -24.25 0.0 0.0", -24.25, 12.5, true},
		{"OKLatLonOnly", "-1 2", 2, -1, true},
		{"ErrOneNumber", "12.5", 0, 0, false},
		{"ErrTooMany", "1 2 3 4 5", 0, 0, false},
		{"ErrNotNumber", "north east", 0, 0, false},
		{"ErrNaN", "NaN 2", 0, 0, false},
		{"ErrLonOutOfRange", "10 181", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lon, lat, ok := ParseGeopoint(tt.in)
			if ok != tt.ok || (ok && (lon != tt.lon || lat != tt.lat)) {
				t.Fatalf("ParseGeopoint(%q) = %v %v %v", tt.in, lon, lat, ok)
			}
		})
	}
}
