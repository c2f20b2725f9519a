// Package config defines Fieldbase's configuration: built-in defaults, then a TOML file, then FIELDBASE_*
// environment variables, then command-line flags, validated once at start-up. It must not import fieldbase/app,
// fieldbase/db or any HTTP package.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/go-ozzo/ozzo-validation/v4/is"
	"github.com/knadh/koanf/parsers/toml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable that sets a key: FIELDBASE_SECTION_KEY sets section.key.
const EnvPrefix = "FIELDBASE_"

// Config is every setting of a Fieldbase process. Durations are Go duration strings ("30s", "3h").
type Config struct {
	Data        Data        `koanf:"data"`
	Server      Server      `koanf:"server"`
	DB          DB          `koanf:"db"`
	Jobs        Jobs        `koanf:"jobs"`
	Log         Log         `koanf:"log"`
	Auth        Auth        `koanf:"auth"`
	Submissions Submissions `koanf:"submissions"`
	// Projects configures project creation.
	Projects Projects `koanf:"projects"`
	// Basemaps bounds offline basemap uploads.
	Basemaps Basemaps `koanf:"basemaps"`
	// Metrics configures the Prometheus endpoint GET /metrics.
	Metrics Metrics `koanf:"metrics"`
	// Backups configures the scheduled backups.
	Backups Backups `koanf:"backups"`
	// Maps configures the maps ([map]): the online basemaps pages may offer.
	Maps Maps `koanf:"map"`
	// SMTP is the mail server e-mail digests of notifications go through ([smtp]); no host: no e-mail.
	SMTP SMTP `koanf:"smtp"`
}

// SMTP configures the mail server that sends notification digests.
type SMTP struct {
	// Host is the mail server; empty turns e-mail off.
	Host string `koanf:"host"`
	Port int    `koanf:"port"`
	// TLS is none (plain, for a relay on the same machine), starttls (upgrade after connecting) or tls (TLS from
	// the first byte, usually port 465).
	TLS  string `koanf:"tls"`
	User string `koanf:"user"`
	// Password is best set in the environment (FIELDBASE_SMTP_PASSWORD) rather than in the file.
	Password string `koanf:"password"`
	// From is the sender address of the e-mails.
	From string `koanf:"from"`
}

// Enabled reports whether e-mail is configured.
func (s SMTP) Enabled() bool { return s.Host != "" }

// Data says where Fieldbase keeps its files.
type Data struct {
	// Dir holds the database and uploaded files.
	Dir string `koanf:"dir"`
}

// Server configures the HTTP server.
type Server struct {
	Addr            string        `koanf:"addr"`
	BaseURL         string        `koanf:"base_url"`
	ReadTimeout     time.Duration `koanf:"read_timeout"`
	WriteTimeout    time.Duration `koanf:"write_timeout"`
	IdleTimeout     time.Duration `koanf:"idle_timeout"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	BodyLimitMB     int           `koanf:"body_limit_mb"`
	CORSOrigins     []string      `koanf:"cors_origins"`

	// HTTPSAddr is where HTTPS listens; empty means ":443" with TLSDomains or TLSCertFile, and the host of Addr
	// with port 8443 with LANHTTPS.
	HTTPSAddr string `koanf:"https_addr"`
	// TLSDomains are the public domain names certificates are obtained for by ACME (Let's Encrypt); HTTP then
	// redirects to HTTPS and answers the http-01 challenge.
	TLSDomains []string `koanf:"tls_domains"`
	// ACMEDirectoryURL is the ACME server's directory; ACMEEmail the account's contact address (optional).
	ACMEDirectoryURL string `koanf:"acme_directory_url"`
	ACMEEmail        string `koanf:"acme_email"`
	// TLSCertFile and TLSKeyFile are a certificate (PEM, chain included) and its key the operator has; HTTP then
	// redirects to HTTPS.
	TLSCertFile string `koanf:"tls_cert_file"`
	TLSKeyFile  string `koanf:"tls_key_file"`
	// LANHTTPS serves HTTPS beside plain HTTP with a certificate from Fieldbase's own local certificate
	// authority, for phones on a network with no internet.
	LANHTTPS bool `koanf:"lan_https"`
}

// LetsEncrypt is the default ACME directory: Let's Encrypt's production server.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// PublicTLS reports whether HTTPS uses a public certificate (ACME or the operator's files), in which case plain
// HTTP only redirects to it.
func (s Server) PublicTLS() bool { return len(s.TLSDomains) > 0 || s.TLSCertFile != "" }

// HTTPSListen is the address HTTPS listens on, or "" when HTTPS is off.
func (s Server) HTTPSListen() string {
	switch {
	case s.HTTPSAddr != "":
		return s.HTTPSAddr
	case s.PublicTLS():
		return ":443"
	case s.LANHTTPS:
		host, _, _ := net.SplitHostPort(s.Addr)
		return net.JoinHostPort(host, "8443")
	}
	return ""
}

// DB configures the database: SQLite in the data directory (the default), or PostgreSQL when URL says so.
type DB struct {
	// URL is empty (or sqlite://DIR) for SQLite, postgres://user@host:port/name?sslmode=... for PostgreSQL.
	URL         string        `koanf:"url"`
	Synchronous string        `koanf:"synchronous"`
	BusyTimeout time.Duration `koanf:"busy_timeout"`
}

// Jobs configures the background job workers.
type Jobs struct {
	Workers      int           `koanf:"workers"`
	PollInterval time.Duration `koanf:"poll_interval"`
}

// Log configures the structured log.
type Log struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// Submissions bounds what phones and API clients may upload with a submission or form media.
type Submissions struct {
	// MaxRequestMB is the largest multipart request (XML plus attachments), in MiB; a larger one is answered 413.
	// It is announced to ODK Collect as X-OpenRosa-Accept-Content-Length.
	MaxRequestMB int `koanf:"max_request_mb"`
	// MaxFileMB is the largest single attachment or media file, in MiB.
	MaxFileMB int `koanf:"max_file_mb"`
}

// Auth configures accounts: password hashing, sessions, tokens and the login rate limit.
type Auth struct {
	SessionTTL        time.Duration `koanf:"session_ttl"`
	TokenTTL          time.Duration `koanf:"token_ttl"`
	Argon2MemoryKiB   int           `koanf:"argon2_memory_kib"`
	Argon2Iterations  int           `koanf:"argon2_iterations"`
	Argon2Parallelism int           `koanf:"argon2_parallelism"`
	LoginMaxFailures  int           `koanf:"login_max_failures"`
	LoginWindow       time.Duration `koanf:"login_window"`
	// HashConcurrency is how many argon2id hashes (logins, new passwords) run at once; more wait their turn.
	// 0 means one per usable CPU (GOMAXPROCS).
	HashConcurrency int `koanf:"hash_concurrency"`
}

// Projects configures project creation.
type Projects struct {
	// MaxAOIKm2 is the largest area of interest a project may have, in km².
	MaxAOIKm2 float64 `koanf:"max_aoi_km2"`
}

// Basemaps bounds offline basemap uploads (MBTiles and PMTiles files) and basemaps generated from a tile source.
type Basemaps struct {
	// MaxUploadMB is the largest basemap upload request, in MiB; a larger one is answered 413.
	MaxUploadMB int `koanf:"max_upload_mb"`
	// MaxGenerateTiles is the most tiles one generated basemap may hold; a larger request is answered 422.
	MaxGenerateTiles int `koanf:"max_generate_tiles"`
	// GenerateConcurrency is how many tile requests one generation job has in flight.
	GenerateConcurrency int `koanf:"generate_concurrency"`
	// GenerateTimeout is how long one tile request may take (a stalled one is retried).
	GenerateTimeout time.Duration `koanf:"generate_timeout"`
	// AllowPrivateURLs lets a project manager's own URL template reach loopback and private networks; off, only
	// the configured Sources may (the administrator chose them).
	AllowPrivateURLs bool `koanf:"allow_private_urls"`
	// Sources are the tile sources offered by name for generating basemaps.
	Sources []BasemapSource `koanf:"sources"`
}

// BasemapSource is a tile source basemaps may be generated from: an XYZ URL template with {z}, {x} and {y}.
type BasemapSource struct {
	Name        string `koanf:"name" json:"name"`
	URL         string `koanf:"url" json:"url"`
	Attribution string `koanf:"attribution" json:"attribution"`
	// MaxZoom is the deepest zoom the source serves (0: not limited beyond the generation rules).
	MaxZoom int `koanf:"max_zoom" json:"max_zoom"`
}

// Metrics configures GET /metrics (Prometheus text format). It is off by default; when on, an administrator's
// token or session may read it, and so may any caller whose address is in Allow.
type Metrics struct {
	Enabled bool `koanf:"enabled"`
	// Allow lists the networks (CIDR, e.g. "127.0.0.1/32" or "10.0.0.0/8") that may scrape without credentials.
	Allow []string `koanf:"allow"`
}

// Backups configures the scheduled backups (see fieldbase/app/backup).
type Backups struct {
	// Interval is how often a backup is taken; 0 turns scheduled backups off.
	Interval time.Duration `koanf:"interval"`
	// Keep is how many scheduled backups are kept: older ones are deleted after a good one. 0 keeps them all.
	Keep int `koanf:"keep"`
	// Dir is where backups are written; empty means <data dir>/backups.
	Dir string `koanf:"dir"`
}

// BackupsDir is where backups are written: backups.dir, or <data dir>/backups.
func (c Config) BackupsDir() string {
	if c.Backups.Dir != "" {
		return c.Backups.Dir
	}
	return filepath.Join(c.Data.Dir, "backups")
}

// Defaults returns the built-in configuration; config.example.toml documents the same values.
func Defaults() Config {
	return Config{
		Data: Data{Dir: "./fb_data"},
		Server: Server{
			Addr: "127.0.0.1:8090", BaseURL: "", ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second,
			IdleTimeout: 120 * time.Second, ShutdownTimeout: 15 * time.Second, BodyLimitMB: 110,
			CORSOrigins: []string{}, TLSDomains: []string{}, ACMEDirectoryURL: LetsEncrypt,
		},
		DB:          DB{Synchronous: "full", BusyTimeout: 10 * time.Second},
		Jobs:        Jobs{Workers: 4, PollInterval: time.Second},
		Log:         Log{Level: "info", Format: "text"},
		Submissions: Submissions{MaxRequestMB: 100, MaxFileMB: 100},
		Auth: Auth{SessionTTL: 14 * 24 * time.Hour, TokenTTL: 90 * 24 * time.Hour, Argon2MemoryKiB: 19456,
			Argon2Iterations: 2, Argon2Parallelism: 1, LoginMaxFailures: 10, LoginWindow: 5 * time.Minute},
		Projects: Projects{MaxAOIKm2: 2000.0},
		Basemaps: Basemaps{MaxUploadMB: 8192, MaxGenerateTiles: 250000, GenerateConcurrency: 4,
			GenerateTimeout: 30 * time.Second, Sources: []BasemapSource{}},
		Metrics: Metrics{Enabled: false, Allow: []string{}},
		Backups: Backups{Interval: 24 * time.Hour, Keep: 7},
		Maps:    Maps{OnlineBasemaps: []OnlineBasemap{}},
		SMTP:    SMTP{Port: 587, TLS: "starttls"},
	}
}

// Sources are where Load reads from, beside the defaults.
type Sources struct {
	// File is a TOML file (the --config flag); empty means none (unless FIELDBASE_CONFIG names one).
	File string
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// Environ is the whole environment as NAME=value entries (os.Environ() in production), used only to refuse
	// FIELDBASE_* variables that set no key; nil skips that check.
	Environ []string
	// Flags are values from the command line, keyed like "server.addr"; they win over everything.
	Flags map[string]any
}

// Load merges defaults, file, environment and flags, in that order, and validates the result. Every mistake (a
// missing or malformed file, an unknown key or variable, a value of the wrong type or outside its rule) is an
// *InvalidError naming the key and the rule.
func Load(src Sources) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(toMap(Defaults()), "."), nil); err != nil {
		return Config{}, err
	}
	if err := loadFile(k, src); err != nil {
		return Config{}, err
	}
	if msgs := unknownEnv(src.Environ); len(msgs) > 0 {
		return Config{}, &InvalidError{Messages: msgs}
	}
	if err := loadEnv(k, src.Getenv); err != nil {
		return Config{}, err
	}
	if len(src.Flags) > 0 {
		if err := k.Load(confmap.Provider(src.Flags, "."), nil); err != nil {
			return Config{}, err
		}
	}
	if msgs := typeMistakes(k); len(msgs) > 0 {
		return Config{}, &InvalidError{Messages: msgs}
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return Config{}, &InvalidError{Messages: []string{err.Error()}}
	}
	return c, c.Validate()
}

// loadFile merges the TOML file named by src.File or FIELDBASE_CONFIG, if any, into k. A missing file, a file that
// is not TOML (with the line) and a key Fieldbase does not know (with the likely intended one) are refused.
func loadFile(k *koanf.Koanf, src Sources) error {
	path, named := src.File, ""
	if path == "" && src.Getenv != nil {
		path, named = src.Getenv(EnvPrefix+"CONFIG"), " (named by "+EnvPrefix+"CONFIG)"
	}
	if path == "" {
		return nil
	}
	fail := func(format string, args ...any) error {
		return &InvalidError{Messages: []string{"config file " + path + named + fmt.Sprintf(format, args...)}}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fail(" does not exist")
	} else if err != nil {
		return fail(": %v", errors.Unwrap(err))
	}
	f := koanf.New(".")
	if err := f.Load(file.Provider(path), toml.Parser()); err != nil {
		return fail(": %s", parseMessage(err))
	}
	if msgs := unknownKeys(f); len(msgs) > 0 {
		return fail(": %s", strings.Join(msgs, "; "))
	}
	return k.Merge(f)
}

// loadEnv reads FIELDBASE_SECTION_KEY for every known key (FIELDBASE_SERVER_BASE_URL sets server.base_url).
// Lists are comma-separated. Asking for the known names, rather than scanning the environment, keeps
// FIELDBASE_CONFIG and unrelated variables out.
func loadEnv(k *koanf.Koanf, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	vals := map[string]any{}
	for _, key := range Keys() {
		v, ok := lookup(getenv, EnvName(key))
		if !ok {
			continue
		}
		switch key {
		case "server.cors_origins", "metrics.allow", "server.tls_domains":
			vals[key] = splitList(v)
		case "basemaps.sources":
			var list []map[string]any
			if err := json.Unmarshal([]byte(v), &list); err != nil {
				return &InvalidError{Messages: []string{EnvName(key) + ": must be a JSON list of " +
					`{"name", "url", "attribution", "max_zoom"} objects`}}
			}
			vals[key] = list
		case "map.online_basemaps":
			// A list of tables: JSON, e.g. [{"name":"Imagery","url":"https://...","attribution":"...","max_zoom":19}].
			var list []any
			if err := json.Unmarshal([]byte(v), &list); err != nil {
				return &InvalidError{Messages: []string{"map.online_basemaps (" + EnvName(key) +
					`): must be a JSON list such as [{"name":"Imagery","url":"https://tiles.example.org/{z}/{x}/{y}.png","attribution":"...","max_zoom":19}]`}}
			}
			vals[key] = list
		default:
			vals[key] = v
		}
	}
	return k.Load(confmap.Provider(vals, "."), nil)
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func splitList(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Keys lists every configuration key, as "section.key".
func Keys() []string {
	keys := []string{}
	for key := range toMap(Defaults()) {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// EnvName is the environment variable that sets key ("server.addr" -> "FIELDBASE_SERVER_ADDR").
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Validate checks every value and names the key and the rule that failed.
func (c Config) Validate() error {
	errs := validation.Errors{
		"data.dir": validation.Validate(c.Data.Dir, validation.Required),
		"server.addr": validation.Validate(c.Server.Addr, validation.Required,
			validation.By(hostPort)),
		"server.base_url":         validation.Validate(c.Server.BaseURL, is.URL),
		"server.read_timeout":     validation.Validate(c.Server.ReadTimeout, validation.Required, validation.Min(time.Second)),
		"server.write_timeout":    validation.Validate(c.Server.WriteTimeout, validation.Required, validation.Min(time.Second)),
		"server.idle_timeout":     validation.Validate(c.Server.IdleTimeout, validation.Required, validation.Min(time.Second)),
		"server.shutdown_timeout": validation.Validate(c.Server.ShutdownTimeout, validation.Required, validation.Min(time.Second)),
		"server.body_limit_mb":    validation.Validate(c.Server.BodyLimitMB, validation.Required, validation.Min(1), validation.Max(1<<16)),
		"server.cors_origins":     validation.Validate(c.Server.CORSOrigins, validation.Each(validation.By(origin))),
		"db.synchronous": validation.Validate(c.DB.Synchronous, validation.Required,
			oneOf("full", "normal")),
		"db.busy_timeout":    validation.Validate(c.DB.BusyTimeout, validation.Required, validation.Min(100*time.Millisecond)),
		"db.url":             validation.Validate(c.DB.URL, validation.By(databaseURL)),
		"jobs.workers":       validation.Validate(c.Jobs.Workers, validation.Required, validation.Min(1), validation.Max(256)),
		"jobs.poll_interval": validation.Validate(c.Jobs.PollInterval, validation.Required, validation.Min(10*time.Millisecond)),
		"log.level":          validation.Validate(c.Log.Level, oneOf("debug", "info", "warn", "error")),
		"log.format":         validation.Validate(c.Log.Format, oneOf("text", "json")),
		"submissions.max_request_mb": validation.Validate(c.Submissions.MaxRequestMB, validation.Required,
			validation.Min(1), validation.Max(1<<16)),
		"submissions.max_file_mb": validation.Validate(c.Submissions.MaxFileMB, validation.Required,
			validation.Min(1), validation.Max(1<<16)),
		"auth.session_ttl": validation.Validate(c.Auth.SessionTTL, validation.Required, validation.Min(time.Minute)),
		"auth.token_ttl":   validation.Validate(c.Auth.TokenTTL, validation.Required, validation.Min(time.Minute)),
		"auth.argon2_memory_kib": validation.Validate(c.Auth.Argon2MemoryKiB, validation.Required,
			validation.Min(8), validation.Max(1<<20)),
		"auth.argon2_iterations": validation.Validate(c.Auth.Argon2Iterations, validation.Required,
			validation.Min(1), validation.Max(64)),
		"auth.argon2_parallelism": validation.Validate(c.Auth.Argon2Parallelism, validation.Required,
			validation.Min(1), validation.Max(255)),
		"auth.login_max_failures": validation.Validate(c.Auth.LoginMaxFailures, validation.Required,
			validation.Min(1)),
		"auth.login_window": validation.Validate(c.Auth.LoginWindow, validation.Required, validation.Min(time.Second)),
		"auth.hash_concurrency": validation.Validate(c.Auth.HashConcurrency, validation.Min(0),
			validation.Max(1024)),
		"projects.max_aoi_km2": validation.Validate(c.Projects.MaxAOIKm2, validation.Required,
			validation.Min(0.001), validation.Max(1e6)),
		"basemaps.max_upload_mb": validation.Validate(c.Basemaps.MaxUploadMB, validation.Required,
			validation.Min(1), validation.Max(1<<22)),
		"basemaps.max_generate_tiles": validation.Validate(c.Basemaps.MaxGenerateTiles, validation.Required,
			validation.Min(1), validation.Max(100_000_000)),
		"basemaps.generate_concurrency": validation.Validate(c.Basemaps.GenerateConcurrency, validation.Required,
			validation.Min(1), validation.Max(64)),
		"basemaps.generate_timeout": validation.Validate(c.Basemaps.GenerateTimeout, validation.Required,
			validation.Min(100*time.Millisecond)),
		"basemaps.sources": validation.Validate(c.Basemaps.Sources, validation.By(basemapSources)),
		"metrics.allow":    validation.Validate(c.Metrics.Allow, validation.Each(validation.By(cidr))),
		"backups.interval": validation.Validate(c.Backups.Interval, validation.By(backupInterval)),
		"backups.keep":     validation.Validate(c.Backups.Keep, validation.Min(0), validation.Max(10000)),
		"smtp.port":        validation.Validate(c.SMTP.Port, validation.Required, validation.Min(1), validation.Max(65535)),
		"smtp.tls":         validation.Validate(c.SMTP.TLS, oneOf("none", "starttls", "tls")),
		"smtp.from": validation.Validate(c.SMTP.From, validation.When(c.SMTP.Host != "", validation.Required.Error(
			"is needed when smtp.host is set")), is.EmailFormat),
		"map.online_basemaps": validation.Validate(c.Maps.OnlineBasemaps, validation.By(func(any) error {
			return CheckOnlineBasemaps(c.Maps.OnlineBasemaps, nil)
		})),
	}
	for k, e := range c.Server.tlsErrors() {
		errs[k] = e
	}
	err := errs.Filter()
	if err == nil {
		return nil
	}
	var ve validation.Errors
	if errors.As(err, &ve) {
		keys := make([]string, 0, len(ve))
		for k := range ve {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		msgs := make([]string, 0, len(keys))
		for _, k := range keys {
			msgs = append(msgs, fmt.Sprintf("%s (%s): %s", k, EnvName(k), ve[k].Error()))
		}
		return &InvalidError{Messages: msgs}
	}
	return err
}

// InvalidError is a configuration mistake: every invalid key with the rule it broke, or the config file that is
// missing or malformed. The command line exits 2 on it.
type InvalidError struct {
	Messages []string
}

func (e *InvalidError) Error() string {
	return "invalid configuration: " + strings.Join(e.Messages, "; ")
}

// oneOf is the rule of a key with a fixed set of values; its message lists them.
func oneOf(values ...string) validation.Rule {
	in := make([]any, len(values))
	for i, v := range values {
		in[i] = v
	}
	return validation.In(in...).Error("must be one of " + strings.Join(values, ", "))
}

func hostPort(v any) error {
	s, _ := v.(string)
	if _, _, err := net.SplitHostPort(s); err != nil {
		return errors.New("must be host:port, e.g. 127.0.0.1:8090 or :8090")
	}
	return nil
}

func cidr(v any) error {
	s, _ := v.(string)
	if _, _, err := net.ParseCIDR(s); err != nil {
		return errors.New("must be a network in CIDR notation, e.g. 127.0.0.1/32 or 10.0.0.0/8")
	}
	return nil
}

func origin(v any) error {
	s, _ := v.(string)
	if s == "*" {
		return nil
	}
	if err := is.URL.Validate(s); err != nil || !(strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
		return errors.New("must be an origin such as https://example.org, or *")
	}
	return nil
}

// backupInterval allows 0 (off) or at least a minute.
func backupInterval(v any) error {
	if d, _ := v.(time.Duration); d != 0 && d < time.Minute {
		return errors.New("must be 0 (no scheduled backups) or at least 1m")
	}
	return nil
}

// basemapSources checks each configured tile source: a unique name, an http(s) URL template with {z}, {x} and
// {y}, and a max_zoom within 0-30.
func basemapSources(v any) error {
	list, _ := v.([]BasemapSource)
	seen := map[string]bool{}
	for i, s := range list {
		where := fmt.Sprintf("source %d", i+1)
		if s.Name != "" {
			where = fmt.Sprintf("source %q", s.Name)
		}
		switch {
		case strings.TrimSpace(s.Name) == "":
			return fmt.Errorf("%s: needs a name", where)
		case seen[s.Name]:
			return fmt.Errorf("%s: the name is used twice", where)
		case !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://"):
			return fmt.Errorf("%s: url must start with http:// or https://", where)
		case !strings.Contains(s.URL, "{z}") || !strings.Contains(s.URL, "{x}") ||
			!(strings.Contains(s.URL, "{y}") || strings.Contains(s.URL, "{-y}")):
			return fmt.Errorf("%s: url must hold {z}, {x} and {y}", where)
		case s.MaxZoom < 0 || s.MaxZoom > 30:
			return fmt.Errorf("%s: max_zoom must be within 0-30", where)
		}
		seen[s.Name] = true
	}
	return nil
}

// databaseURL accepts an empty URL, sqlite://DIR, or a postgres:// (postgresql://) URL with a host.
func databaseURL(v any) error {
	s, _ := v.(string)
	if s == "" || strings.HasPrefix(s, "sqlite://") {
		return nil
	}
	if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return errors.New("must be empty, sqlite://DIR or postgres://USER@HOST:PORT/DATABASE")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return errors.New("must be a postgres:// URL with a host, e.g. postgres://fieldbase@127.0.0.1:5432/fieldbase")
	}
	return nil
}
