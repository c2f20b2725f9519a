package openrosa

import (
	"math"
	"strconv"
	"strings"
)

// BinaryValues returns the non-empty, trimmed values of the form's binary
// fields in document order, without duplicates: the attachment file names
// the submission references (for example "my_file1.mp4").
func (s *Submission) BinaryValues(form *Form) []string {
	var out []string
	seen := map[string]bool{}
	s.eachFieldValue(form, func(f Field, value string) bool {
		if f.Type == "binary" && value != "" && !seen[value] {
			seen[value] = true
			out = append(out, value)
		}
		return true
	})
	return out
}

// FirstGeopoint returns the first usable position of the submission: the
// first point of the first non-empty geopoint, geotrace or geoshape field in
// document order. ODK writes "lat lon alt acc" (latitude first); the result
// is returned as lon, lat. ok is false when no field holds a valid point.
func (s *Submission) FirstGeopoint(form *Form) (lon, lat float64, ok bool) {
	s.eachFieldValue(form, func(f Field, value string) bool {
		if !f.IsGeo() || value == "" {
			return true
		}
		first, _, _ := strings.Cut(value, ";")
		lon, lat, ok = ParseGeopoint(first)
		return !ok
	})
	return lon, lat, ok
}

// ParseGeopoint reads one ODK point "lat lon [alt [acc]]" and returns it as
// lon, lat. ok is false for malformed or out-of-range coordinates.
func ParseGeopoint(value string) (lon, lat float64, ok bool) {
	parts := strings.Fields(value)
	if len(parts) < 2 || len(parts) > 4 {
		return 0, 0, false
	}
	lat, errLat := strconv.ParseFloat(parts[0], 64)
	lon, errLon := strconv.ParseFloat(parts[1], 64)
	if errLat != nil || errLon != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lon, lat, true
}

// eachFieldValue calls fn, in document order, for every leaf element of the
// submission that matches a field of the form, with its trimmed text, until
// fn returns false.
func (s *Submission) eachFieldValue(form *Form, fn func(f Field, value string) bool) {
	if form == nil {
		return
	}
	byPath := make(map[string]Field, len(form.Fields))
	for _, f := range form.Fields {
		byPath[relPath(f.Path)] = f
	}
	s.walk(func(n *node, rel string) bool {
		if len(n.Children) > 0 {
			return true
		}
		if f, ok := byPath[rel]; ok {
			return fn(f, strings.TrimSpace(n.Text))
		}
		return true
	})
}
