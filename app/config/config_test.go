package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fieldbase.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "[server]\naddr = \"127.0.0.1:9001\"\nread_timeout = \"5s\"\n[jobs]\nworkers = 7\n")
	tests := []struct {
		name     string
		src      Sources
		wantAddr string
		wantWork int
		wantRead time.Duration
		wantCORS []string
	}{
		{"Default", Sources{}, "127.0.0.1:8090", 4, time.Minute, []string{}},
		{"FileOverDefault", Sources{File: file}, "127.0.0.1:9001", 7, 5 * time.Second, []string{}},
		{"FileFromEnvVar", Sources{Getenv: envOf(map[string]string{"FIELDBASE_CONFIG": file})},
			"127.0.0.1:9001", 7, 5 * time.Second, []string{}},
		{"EnvOverFile", Sources{File: file, Getenv: envOf(map[string]string{
			"FIELDBASE_SERVER_ADDR": "0.0.0.0:9002", "FIELDBASE_SERVER_CORS_ORIGINS": "https://a.org, https://b.org"})},
			"0.0.0.0:9002", 7, 5 * time.Second, []string{"https://a.org", "https://b.org"}},
		// FIELDBASE_* variables that name no section and are far from every key belong to something else.
		{"UnrelatedEnvIgnored", Sources{Environ: []string{"FIELDBASE_CONFIG=", "FIELDBASE_SCREENSHOTS=/tmp/s",
			"FIELDBASE_BENCH_SYNC=normal", "FIELDBASE_SERVER_ADR=", "PATH=/bin"}}, "127.0.0.1:8090", 4, time.Minute,
			[]string{}},
		{"FlagOverEnv", Sources{File: file, Getenv: envOf(map[string]string{"FIELDBASE_SERVER_ADDR": "0.0.0.0:9002"}),
			Flags: map[string]any{"server.addr": ":9003"}}, ":9003", 7, 5 * time.Second, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.Addr != tt.wantAddr || c.Jobs.Workers != tt.wantWork || c.Server.ReadTimeout != tt.wantRead {
				t.Errorf("got addr %q workers %d read %s", c.Server.Addr, c.Jobs.Workers, c.Server.ReadTimeout)
			}
			if !reflect.DeepEqual(c.Server.CORSOrigins, tt.wantCORS) {
				t.Errorf("cors = %#v, want %#v", c.Server.CORSOrigins, tt.wantCORS)
			}
		})
	}
}

// TestLoadRejects checks that every configuration mistake is an *InvalidError (the command line exits 2 on it) whose
// message names the key, the variable or the file, and the rule.
func TestLoadRejects(t *testing.T) {
	t.Parallel()
	file := func(body string) Sources { return Sources{File: writeFile(t, body)} }
	environ := func(entries ...string) Sources { return Sources{Environ: entries} }
	missing := filepath.Join(t.TempDir(), "nope.toml")
	tests := []struct {
		name string
		src  Sources
		want []string // fragments of the message: the key and the rule
		not  string   // a fragment the message must not have
	}{
		{"ErrSynchronous", Sources{Getenv: envOf(map[string]string{"FIELDBASE_DB_SYNCHRONOUS": "off"})},
			[]string{"db.synchronous", "FIELDBASE_DB_SYNCHRONOUS", "must be one of full, normal"}, ""},
		{"ErrLogLevel", file("[log]\nlevel = \"verbose\"\n"),
			[]string{"log.level", "must be one of debug, info, warn, error"}, ""},
		{"ErrLogFormat", file("[log]\nformat = \"xml\"\n"), []string{"log.format", "must be one of text, json"}, ""},
		{"ErrWorkers", Sources{Flags: map[string]any{"jobs.workers": -1}}, []string{"jobs.workers", "no less than 1"}, ""},
		{"ErrAddr", Sources{Flags: map[string]any{"server.addr": "8090"}}, []string{"server.addr", "host:port"}, ""},
		{"ErrCORS", Sources{Getenv: envOf(map[string]string{"FIELDBASE_SERVER_CORS_ORIGINS": "not a url"})},
			[]string{"server.cors_origins", "origin"}, ""},
		{"ErrMetricsAllow", Sources{Getenv: envOf(map[string]string{"FIELDBASE_METRICS_ALLOW": "127.0.0.1"})},
			[]string{"metrics.allow", "CIDR"}, ""},
		{"ErrMetricsEnabled", file("[metrics]\nenabled = \"yes please\"\n"),
			[]string{"metrics.enabled", "must be true or false"}, ""},
		{"ErrHashConcurrency", Sources{Getenv: envOf(map[string]string{"FIELDBASE_AUTH_HASH_CONCURRENCY": "-1"})},
			[]string{"auth.hash_concurrency", "no less than 0"}, ""},
		{"ErrUnknownKey", file("[server]\nadr = \"x\"\n"),
			[]string{"fieldbase.toml", "unknown key server.adr (did you mean server.addr?)"}, ""},
		{"ErrUnknownKeyLongerTypo", file("[server]\naddress = \"x\"\n"),
			[]string{"unknown key server.address (did you mean server.addr?)"}, ""},
		{"ErrUnknownSection", file("[sever]\naddr = \"x\"\n"),
			[]string{"unknown key sever.addr (did you mean server.addr?)"}, ""},
		{"ErrKeyInWrongSection", file("[server]\nsynchronous = \"full\"\n"),
			[]string{"unknown key server.synchronous (did you mean db.synchronous?)"}, ""},
		{"ErrUnknownKeyFarFromAny", file("[server]\ncolour = \"blue\"\n"),
			[]string{"unknown key server.colour"}, "did you mean"},
		{"ErrUnknownEnv", environ("FIELDBASE_SERVER_ADR=:9000"),
			[]string{"unknown environment variable FIELDBASE_SERVER_ADR (did you mean FIELDBASE_SERVER_ADDR?)"}, ""},
		{"ErrUnknownEnvInSection", environ("HOME=/root", "FIELDBASE_DB_JOURNAL=wal"),
			[]string{"unknown environment variable FIELDBASE_DB_JOURNAL"}, "did you mean"},
		{"ErrMalformedTOML", file("[server]\naddr = \"127.0.0.1:9000\"\nread_timeout 5s\n"),
			[]string{"fieldbase.toml", "line 3"}, ""},
		{"ErrUnclosedString", file("[server]\naddr = \"127.0.0.1:9000\n"), []string{"fieldbase.toml", "line 2"}, ""},
		{"ErrMissingFile", Sources{File: missing}, []string{"config file " + missing + " does not exist"}, ""},
		{"ErrMissingFileFromEnv", Sources{Getenv: envOf(map[string]string{"FIELDBASE_CONFIG": missing})},
			[]string{missing, "FIELDBASE_CONFIG", "does not exist"}, ""},
		{"ErrBadDuration", file("[server]\nread_timeout = \"soon\"\n"),
			[]string{"server.read_timeout", "must be a duration", `not "soon"`}, ""},
		{"ErrDurationWithoutUnit", file("[server]\nread_timeout = 5\n"),
			[]string{"server.read_timeout", "must be a duration"}, ""},
		{"ErrWordForNumber", Sources{Getenv: envOf(map[string]string{"FIELDBASE_JOBS_WORKERS": "many"})},
			[]string{"jobs.workers", "FIELDBASE_JOBS_WORKERS", "must be a whole number"}, ""},
		{"ErrFraction", file("[jobs]\nworkers = 2.5\n"), []string{"jobs.workers", "must be a whole number"}, ""},
		{"ErrBackupsTooOften", file("[backups]\ninterval = \"30s\"\n"),
			[]string{"backups.interval", "must be 0 (no scheduled backups) or at least 1m"}, ""},
		{"ErrNotANumber", file("[projects]\nmax_aoi_km2 = \"big\"\n"),
			[]string{"projects.max_aoi_km2", "must be a number"}, ""},
		{"ErrNumberForString", file("[server]\naddr = 8090\n"), []string{"server.addr", "must be a string"}, ""},
		{"ErrStringForList", file("[server]\ncors_origins = \"https://a.org\"\n"),
			[]string{"server.cors_origins", "must be a list of strings"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.src)
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InvalidError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
			if tt.not != "" && strings.Contains(err.Error(), tt.not) {
				t.Errorf("message %q has %q", err.Error(), tt.not)
			}
		})
	}
}

// TestExampleFileMatchesDefaults keeps config.example.toml in sync: it holds every key, with the default value,
// and names every key's environment variable.
func TestExampleFileMatchesDefaults(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "config.example.toml")
	c, err := Load(Sources{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Defaults()) {
		t.Errorf("config.example.toml differs from Defaults():\n file: %+v\n code: %+v", c, Defaults())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		name := key[strings.Index(key, ".")+1:]
		if !strings.Contains(string(raw), "\n"+name+" = ") {
			t.Errorf("config.example.toml does not set %s", key)
		}
		if !strings.Contains(string(raw), EnvName(key)) {
			t.Errorf("config.example.toml does not name %s", EnvName(key))
		}
	}
}

func TestBackupsDefaultsAndOff(t *testing.T) {
	t.Parallel()
	c, err := Load(Sources{Getenv: envOf(map[string]string{"FIELDBASE_DATA_DIR": "/srv/fb",
		"FIELDBASE_BACKUPS_INTERVAL": "0"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Backups.Interval != 0 || c.Backups.Keep != 7 || c.BackupsDir() != filepath.Join("/srv/fb", "backups") {
		t.Fatalf("backups = %+v in %s", c.Backups, c.BackupsDir())
	}
}
