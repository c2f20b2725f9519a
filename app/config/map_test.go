package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadTOML(t *testing.T, text string, env map[string]string) (Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fieldbase.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(Sources{File: path, Getenv: func(k string) string { return env[k] }})
}

// TestOnlineBasemaps: [map] online_basemaps reads from the file as tables and from the environment as JSON; each
// basemap is checked (https with {z}, {x}, {y}, a unique name, plain-text attribution, zoom 0-24) and a mistake
// names the key and the basemap.
func TestOnlineBasemaps(t *testing.T) {
	t.Parallel()
	imagery := OnlineBasemap{Name: "Imagery", URL: "https://tiles.example.org/{z}/{x}/{y}.jpg",
		Attribution: "© Example", MaxZoom: 19}
	table := func(name, url, attribution string, zoom string) string {
		return "[[map.online_basemaps]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\nattribution = \"" +
			attribution + "\"\nmax_zoom = " + zoom + "\n"
	}
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		want       []OnlineBasemap
		wantErr    string
	}{
		{name: "OKNoneByDefault", want: []OnlineBasemap{}},
		{name: "OKFile", file: table("Imagery", imagery.URL, "© Example", "19"), want: []OnlineBasemap{imagery}},
		{name: "OKEnv", env: map[string]string{"FIELDBASE_MAP_ONLINE_BASEMAPS": `[{"name":"Imagery","url":"` +
			imagery.URL + `","attribution":"© Example","max_zoom":19}]`}, want: []OnlineBasemap{imagery}},
		{name: "ErrHTTP", file: table("Plain", "http://tiles.example.org/{z}/{x}/{y}.png", "", "19"),
			wantErr: `map.online_basemaps (FIELDBASE_MAP_ONLINE_BASEMAPS): basemap 1 ("Plain"): url must be an https address`},
		{name: "ErrNoY", file: table("Half", "https://tiles.example.org/{z}/{x}.png", "", "19"),
			wantErr: "url must be an https address with {z}, {x} and {y}"},
		{name: "ErrHostPattern", file: table("Sub", "https://{s}.tiles.example.org/{z}/{x}/{y}.png", "", "19"),
			wantErr: "url must be an https address"},
		{name: "ErrDuplicateName", file: table("Imagery", imagery.URL, "", "19") + table("imagery ", imagery.URL, "", "19"),
			wantErr: `basemap 2: the name "imagery " is already used`},
		{name: "ErrNoName", file: table(" ", imagery.URL, "", "19"), wantErr: "name is required"},
		{name: "ErrZoom", file: table("Deep", imagery.URL, "", "30"), wantErr: "max_zoom must be between 0 and 24"},
		{name: "ErrHTMLAttribution", file: table("Html", imagery.URL, "<img src=x>", "19"),
			wantErr: "attribution must be plain text"},
		{name: "ErrNotTables", file: "[map]\nonline_basemaps = [\"https://a.example/{z}/{x}/{y}\"]\n",
			wantErr: "map.online_basemaps (FIELDBASE_MAP_ONLINE_BASEMAPS): must be a list of tables"},
		{name: "ErrEnvNotJSON", env: map[string]string{"FIELDBASE_MAP_ONLINE_BASEMAPS": "Imagery"},
			wantErr: "must be a JSON list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadTOML(t, tc.file, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Maps.OnlineBasemaps, tc.want) {
				t.Errorf("online basemaps %+v, want %+v", c.Maps.OnlineBasemaps, tc.want)
			}
		})
	}
}

// TestOnlineBasemapOrigin: the policy source of a basemap is its scheme and host with port, lower case.
func TestOnlineBasemapOrigin(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"https://Tiles.Example.org/{z}/{x}/{y}.png":     "https://tiles.example.org",
		"https://tiles.example.org:8443/a/{z}/{x}/{y}":  "https://tiles.example.org:8443",
		"http://tiles.example.org/{z}/{x}/{y}.png":      "",
		"https://tiles.example.org/x?l={z}&c={x}&r={y}": "https://tiles.example.org",
	} {
		if got := (OnlineBasemap{URL: url}).Origin(); got != want {
			t.Errorf("Origin(%s) = %q, want %q", url, got, want)
		}
	}
}
