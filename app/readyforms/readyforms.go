// Package readyforms holds the ready-made XForms Fieldbase offers a project that has no form yet: surveys of
// buildings, points of interest, health facilities and water points, written for Fieldbase. It imports nothing
// of the project.
//
// The forms are data the package embeds (the one exception to embed.go holding every //go:embed line: they are
// this package's own content, not assets of the server).
package readyforms

import (
	"embed"
	"errors"
)

//go:embed forms/*.xml
var files embed.FS

// Form is a ready form: Name is its short name in URLs and its form id, Title and Description what a coordinator
// reads when choosing one.
type Form struct {
	Name        string
	Title       string
	Description string
}

// all lists the ready forms in the order they are offered.
var all = []Form{
	{Name: "buildings", Title: "Buildings",
		Description: "Use, floors, roof and wall materials and condition of each building, with its location, " +
			"an optional outline and a photo."},
	{Name: "points_of_interest", Title: "Points of interest",
		Description: "Shops, schools, clinics, places of worship and other places people go: what, name, " +
			"opening hours, wheelchair access and a photo."},
	{Name: "health_facilities", Title: "Health facilities",
		Description: "Type, operator, services, beds and staff, power and water of hospitals, clinics and " +
			"pharmacies, with a photo."},
	{Name: "water_points", Title: "Water points",
		Description: "Wells, boreholes, taps and springs: whether they work, what is wrong, water quality, " +
			"users and who looks after them, with a photo."},
}

// ErrUnknown is returned for a name that is not a ready form.
var ErrUnknown = errors.New("no ready form by that name")

// List returns the ready forms in the order they are offered.
func List() []Form { return append([]Form(nil), all...) }

// XML returns the XForm of the ready form name, or ErrUnknown.
func XML(name string) ([]byte, error) {
	for _, f := range all {
		if f.Name == name {
			return files.ReadFile("forms/" + name + ".xml")
		}
	}
	return nil, ErrUnknown
}
