package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBasemapSources reads tile sources from TOML tables and from the environment as JSON, and refuses sources
// that are unusable, naming the key and the source.
func TestBasemapSources(t *testing.T) {
	t.Parallel()
	file := func(body string) Sources {
		p := filepath.Join(t.TempDir(), "fieldbase.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return Sources{File: p}
	}
	env := func(v string) Sources {
		return Sources{Getenv: func(k string) string {
			if k == "FIELDBASE_BASEMAPS_SOURCES" {
				return v
			}
			return ""
		}}
	}
	ok := []struct {
		name string
		src  Sources
	}{
		{"OKTables", file("[[basemaps.sources]]\nname = \"Ours\"\nurl = \"https://t.example.org/{z}/{x}/{y}.jpg\"\n" +
			"attribution = \"© Us\"\nmax_zoom = 19\n[[basemaps.sources]]\nname = \"LAN\"\n" +
			"url = \"http://10.0.0.5/{z}/{x}/{-y}.png\"\n")},
		{"OKEnvJSON", env(`[{"name":"Ours","url":"https://t.example.org/{z}/{x}/{y}.jpg","attribution":"© Us","max_zoom":19},` +
			`{"name":"LAN","url":"http://10.0.0.5/{z}/{x}/{-y}.png"}]`)},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Basemaps.Sources
			if len(s) != 2 || s[0] != (BasemapSource{Name: "Ours", URL: "https://t.example.org/{z}/{x}/{y}.jpg",
				Attribution: "© Us", MaxZoom: 19}) || s[1].Name != "LAN" || s[1].MaxZoom != 0 {
				t.Errorf("sources %+v", s)
			}
		})
	}
	bad := []struct {
		name string
		src  Sources
		want []string
	}{
		{"ErrNoPlaceholders", file("[[basemaps.sources]]\nname = \"A\"\nurl = \"https://t.example.org/tiles\"\n"),
			[]string{"basemaps.sources", `source "A"`, "{z}, {x} and {y}"}},
		{"ErrScheme", file("[[basemaps.sources]]\nname = \"A\"\nurl = \"ftp://t.example.org/{z}/{x}/{y}\"\n"),
			[]string{`source "A"`, "http:// or https://"}},
		{"ErrNoName", file("[[basemaps.sources]]\nurl = \"https://t.example.org/{z}/{x}/{y}\"\n"),
			[]string{"source 1", "needs a name"}},
		{"ErrTwice", env(`[{"name":"A","url":"https://a/{z}/{x}/{y}"},{"name":"A","url":"https://b/{z}/{x}/{y}"}]`),
			[]string{`source "A"`, "used twice"}},
		{"ErrZoom", env(`[{"name":"A","url":"https://a/{z}/{x}/{y}","max_zoom":31}]`), []string{"max_zoom", "0-30"}},
		{"ErrNotJSON", env(`Ours=https://a/{z}/{x}/{y}`), []string{"FIELDBASE_BASEMAPS_SOURCES", "JSON list"}},
		{"ErrNotTables", file("[basemaps]\nsources = [\"https://a/{z}/{x}/{y}\"]\n"),
			[]string{"basemaps.sources", "must be a list of tables"}},
		{"ErrConcurrency", file("[basemaps]\ngenerate_concurrency = 0\n"), []string{"basemaps.generate_concurrency"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.src)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
		})
	}
}
