package config

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// toMap flattens a Config into "section.key" -> value, using the koanf tags; durations become strings so that
// they read back the same way as from a file.
func toMap(c Config) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := range t.NumField() {
		section := t.Field(i).Tag.Get("koanf")
		sv := v.Field(i)
		st := sv.Type()
		for j := range st.NumField() {
			key := section + "." + st.Field(j).Tag.Get("koanf")
			val := sv.Field(j).Interface()
			if d, ok := val.(time.Duration); ok {
				val = d.String()
			}
			out[key] = val
		}
	}
	return out
}

// Map returns the configuration flattened to "section.key" -> value (durations as strings).
func (c Config) Map() map[string]any { return toMap(c) }

// Maps configures what every map page draws ([map] in the file): the offline world map is always there; OnlineBasemaps are offered
// above it in the layer switcher.
type Maps struct {
	// OnlineBasemaps are XYZ raster tile services pages may offer (none by default). The Content-Security-Policy
	// lets browsers reach exactly their hosts. Administrators may add more on the settings page.
	OnlineBasemaps []OnlineBasemap `koanf:"online_basemaps"`
}

// OnlineBasemap is an XYZ raster tile service a map may show: a name people choose it by, the tile URL template
// (https, with {z}, {x} and {y}), the attribution its terms ask for and the largest zoom it serves.
type OnlineBasemap struct {
	Name        string `koanf:"name" json:"name" maxLength:"60" doc:"Name shown in the layer switcher"`
	URL         string `koanf:"url" json:"url" maxLength:"300" doc:"Tile URL template, https with {z}, {x} and {y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png"`
	Attribution string `koanf:"attribution" json:"attribution" maxLength:"300" doc:"Credit shown on the map, as the source's terms ask (plain text)"`
	MaxZoom     int    `koanf:"max_zoom" json:"max_zoom" doc:"Largest zoom the source serves (0-24)"`
}

// Origin is the scheme and host (with port) of the basemap's tiles, as a Content-Security-Policy source
// ("https://tiles.example.org"); "" when the URL is not valid.
func (b OnlineBasemap) Origin() string {
	u, err := url.Parse(b.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return "https://" + strings.ToLower(u.Host)
}

// Check says what is wrong with one online basemap, or nil.
func (b OnlineBasemap) Check() error {
	name := strings.TrimSpace(b.Name)
	switch {
	case name == "" || len([]rune(name)) > 60:
		return errors.New("name is required (at most 60 characters)")
	case !validTileURL(b.URL):
		return errors.New("url must be an https address with {z}, {x} and {y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png")
	case len([]rune(b.Attribution)) > 300 || strings.ContainsAny(b.Attribution, "<>"):
		return errors.New("attribution must be plain text of at most 300 characters")
	case b.MaxZoom < 0 || b.MaxZoom > 24:
		return errors.New("max_zoom must be between 0 and 24")
	}
	return nil
}

// validTileURL accepts an https URL template whose host is literal (the policy must name it) and whose path or
// query holds {z}, {x} and {y}.
func validTileURL(raw string) bool {
	if len(raw) > 300 || !strings.HasPrefix(raw, "https://") {
		return false
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return false
		}
	}
	probe := strings.NewReplacer("{z}", "1", "{x}", "1", "{y}", "1").Replace(raw)
	u, err := url.Parse(probe)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.Fragment == "" &&
		!strings.ContainsAny(u.Host, "{}*") && !strings.ContainsAny(probe, " \"'<>\\;")
}

// CheckOnlineBasemaps checks every basemap of list and that no name is used twice, in list or in taken (names
// already in use, e.g. the configuration's when an administrator adds more). The message names the basemap.
func CheckOnlineBasemaps(list []OnlineBasemap, taken []OnlineBasemap) error {
	if len(list) > 20 {
		return errors.New("at most 20 online basemaps")
	}
	seen := map[string]bool{}
	for _, b := range taken {
		seen[strings.ToLower(strings.TrimSpace(b.Name))] = true
	}
	for i, b := range list {
		if err := b.Check(); err != nil {
			return fmt.Errorf("basemap %d (%q): %w", i+1, b.Name, err)
		}
		key := strings.ToLower(strings.TrimSpace(b.Name))
		if seen[key] {
			return fmt.Errorf("basemap %d: the name %q is already used", i+1, b.Name)
		}
		seen[key] = true
	}
	return nil
}
