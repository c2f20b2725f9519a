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

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  Sources
		want []string // fragments of the message: the key and the rule
	}{
		{"ErrSynchronous", Sources{Getenv: envOf(map[string]string{"FIELDBASE_DB_SYNCHRONOUS": "off"})},
			[]string{"db.synchronous", "FIELDBASE_DB_SYNCHRONOUS", "must be a valid value"}},
		{"ErrWorkers", Sources{Flags: map[string]any{"jobs.workers": -1}}, []string{"jobs.workers", "no less than 1"}},
		{"ErrAddr", Sources{Flags: map[string]any{"server.addr": "8090"}}, []string{"server.addr", "host:port"}},
		{"ErrLogFormat", Sources{File: writeFile(t, "[log]\nformat = \"xml\"\n")}, []string{"log.format"}},
		{"ErrCORS", Sources{Getenv: envOf(map[string]string{"FIELDBASE_SERVER_CORS_ORIGINS": "not a url"})},
			[]string{"server.cors_origins", "origin"}},
		{"ErrHashConcurrency", Sources{Getenv: envOf(map[string]string{"FIELDBASE_AUTH_HASH_CONCURRENCY": "-1"})},
			[]string{"auth.hash_concurrency", "no less than 0"}},
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
		})
	}
	t.Run("ErrUnknownKey", func(t *testing.T) {
		_, err := Load(Sources{File: writeFile(t, "[server]\nadress = \"x\"\n")})
		if err == nil || !strings.Contains(err.Error(), "server.adress") {
			t.Fatalf("err = %v, want unknown key server.adress", err)
		}
	})
	t.Run("ErrBadDuration", func(t *testing.T) {
		_, err := Load(Sources{File: writeFile(t, "[server]\nread_timeout = \"soon\"\n")})
		if err == nil {
			t.Fatal("a duration that does not parse was accepted")
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		_, err := Load(Sources{File: filepath.Join(t.TempDir(), "nope.toml")})
		if err == nil || !strings.Contains(err.Error(), "nope.toml") {
			t.Fatalf("err = %v", err)
		}
	})
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
