package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fieldbase/app"
	"fieldbase/app/backup"
	"fieldbase/app/config"
	"fieldbase/app/i18n"
	"fieldbase/app/jobs"
	"fieldbase/db"
)

const usage = `Usage: fieldbase <command> [flags]

Commands:
  serve                 run the web UI, the JSON API and the background jobs
  migrate up|down|status  apply, roll back (one step) or list the database migrations
  admin create          create an administrator: --username NAME and --password PASS or --password-stdin
                        (safe while the server runs)
  healthcheck           ask the running server (--http ADDR, server.addr) for GET /api/v1/healthcheck:
                        exit 0 when it answers 200, 1 otherwise (a container's HEALTHCHECK)
  backup                write a backup archive (database snapshot, stored files, manifest) while the server
                        runs: --out FILE (default: a new name in backups.dir); "backup list" lists the good ones
  restore FILE          check the archive FILE, then replace the data directory (--dir) with its content; the
                        previous one is kept as DIR.before-restore-<time>. Refused while a server uses DIR
  version               print the version, commit and build date
  help                  print this help

Flags (every command):
  --config FILE   TOML configuration file (or FIELDBASE_CONFIG)
  --dir DIR       data directory (default ./fb_data; FIELDBASE_DATA_DIR)
Flags (serve, healthcheck):
  --http ADDR     listen address (default 127.0.0.1:8090; FIELDBASE_SERVER_ADDR)
`

// usageError is a mistake on the command line: the message, then the usage, exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode is 2 for a command line or configuration mistake, 1 for anything else.
func exitCode(err error) int {
	var ue *usageError
	var ce *config.InvalidError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return 2
	}
	return 1
}

// run is the whole program: it parses args, loads the configuration and runs one command until ctx ends. environ,
// when given (os.Environ() in main), is the whole environment: a FIELDBASE_* variable in it that sets no key is
// then refused like an unknown key in the config file.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer,
	environ ...string) error {
	if len(args) < 2 {
		return &usageError{"no command given"}
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "version", "--version":
		_, err := fmt.Fprintf(stdout, "fieldbase %s (commit %s, built %s)\n", version, commit, date)
		return err
	case "healthcheck":
		cfg, pos, err := loadConfig(cmd, rest, getenv, environ, true)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return &usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
		}
		tlsAddr := ""
		if cfg.Server.PublicTLS() {
			tlsAddr = cfg.Server.HTTPSListen()
		}
		return healthcheck(ctx, cfg.Server.Addr, tlsAddr, stdout)
	case "serve":
		cfg, pos, err := loadConfig(cmd, rest, getenv, environ, true)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return &usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
		}
		return serve(ctx, cfg, stdout)
	case "migrate":
		cfg, pos, err := loadConfig(cmd, rest, getenv, environ, false)
		if err != nil {
			return err
		}
		if len(pos) != 1 || (pos[0] != "up" && pos[0] != "down" && pos[0] != "status") {
			return &usageError{"migrate needs exactly one of up, down, status"}
		}
		return migrate(ctx, cfg, pos[0], stdout)
	case "admin":
		return adminCommand(ctx, rest, getenv, environ, stdin, stdout)
	case "backup":
		return backupCommand(ctx, rest, getenv, environ, stdout)
	case "restore":
		return restoreCommand(ctx, rest, getenv, environ, stdout)
	}
	return &usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// loadConfig parses the flags of a command and merges them over defaults, file and environment.
func loadConfig(cmd string, args []string, getenv func(string) string, environ []string, withHTTP bool) (
	config.Config, []string, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("config", "", "")
	dir := fs.String("dir", "", "")
	var addr *string
	if withHTTP {
		addr = fs.String("http", "", "")
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return config.Config{}, nil, err
	}
	flags := map[string]any{}
	if *dir != "" {
		flags["data.dir"] = *dir
	}
	if addr != nil && *addr != "" {
		flags["server.addr"] = *addr
	}
	cfg, err := config.Load(config.Sources{File: *file, Getenv: getenv, Environ: environ, Flags: flags})
	return cfg, pos, err
}

// parseInterspersed parses flags wherever they stand among the positional arguments (`migrate up --dir X` as
// well as `migrate --dir X up`) and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{strings.TrimSpace(err.Error())}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the database and applies Fieldbase's and the job queue's migrations.
func openStore(ctx context.Context, cfg config.Config) (*db.Store, int64, error) {
	store, err := db.Open(ctx, cfg.Data.Dir, db.Options{Synchronous: cfg.DB.Synchronous,
		BusyTimeout: cfg.DB.BusyTimeout, URL: cfg.DB.URL})
	if err != nil {
		return nil, 0, err
	}
	migrations, _ := embedded()
	m, err := db.NewMigrator(store, migrations)
	if err == nil {
		var v int64
		if v, err = m.Up(ctx); err == nil {
			if err = jobs.Migrate(ctx, store); err == nil {
				return store, v, nil
			}
		}
	}
	_ = store.Close()
	return nil, 0, err
}

// serve runs the server until ctx ends, then stops accepting, drains requests, stops the jobs and closes the
// database, in that order.
func serve(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	log := newLogger(cfg, stdout)
	lock, err := lockDataDir(cfg.Data.Dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	store, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := app.SweepFiles(ctx, cfg.Data.Dir, store); err != nil { // uploads cut short by a crash
		return err
	}
	if err := backup.Sweep(cfg.BackupsDir()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("backups directory not swept", "err", err) // backups cut short by a crash
	}
	_, assets := embedded()
	cat, err := i18n.Load(assets.I18n) // the digests' words
	if err != nil {
		return err
	}
	jq, err := jobs.New(store, jobs.Options{Workers: cfg.Jobs.Workers, PollInterval: cfg.Jobs.PollInterval,
		Logger: log, Backups: backupOptions(cfg),
		Digest: jobs.DigestOptions{SMTP: cfg.SMTP, BaseURL: cfg.Server.BaseURL, Catalog: cat}})
	if err != nil {
		return err
	}
	a, err := app.New(cfg, store, jq, assets, app.Build{Version: version, Log: log})
	if err != nil {
		return err
	}
	ls, err := listen(cfg, a)
	if err != nil {
		return err
	}
	if err := jq.Start(ctx); err != nil {
		ls.close()
		return err
	}
	served := make(chan error, 2)
	ls.serve(a, served)
	ls.announce(a, cfg, stdout)
	if err := offerSetup(ctx, store, a, ls.plain.Addr().String(), cfg.Server.BaseURL, stdout); err != nil {
		log.Warn("no set-up link", "err", err)
	}
	select {
	case err = <-served:
		err = fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	return errors.Join(err, shutdown(a, jq, ls, cfg.Server.ShutdownTimeout, log))
}

func shutdown(a *app.App, jq *jobs.Jobs, ls *listeners, timeout time.Duration, log *slog.Logger) error {
	log.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := errors.Join(ls.shutdown(sctx), a.Shutdown(sctx))
	return errors.Join(err, jq.Stop(sctx))
}

// migrate runs `migrate up|down|status`. Only up creates the database: status and down on a directory without one
// say so and leave the directory as it was (a mistyped --dir must not leave an empty database behind).
func migrate(ctx context.Context, cfg config.Config, direction string, stdout io.Writer) error {
	if direction != "up" && !db.IsPostgresURL(cfg.DB.URL) {
		if err := databaseExists(cfg.Data.Dir); err != nil {
			return err
		}
	}
	store, err := db.Open(ctx, cfg.Data.Dir, db.Options{Synchronous: cfg.DB.Synchronous,
		BusyTimeout: cfg.DB.BusyTimeout, URL: cfg.DB.URL})
	if err != nil {
		return err
	}
	defer store.Close()
	migrations, _ := embedded()
	m, err := db.NewMigrator(store, migrations)
	if err != nil {
		return err
	}
	switch direction {
	case "up":
		v, err := m.Up(ctx)
		if err == nil {
			err = jobs.Migrate(ctx, store)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "database at version %d\n", v)
		return err
	case "down":
		v, err := m.Down(ctx)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "database at version %d\n", v)
		return err
	}
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(stdout, "%05d  %-8s %s\n", s.Version, state, s.Source)
	}
	return nil
}

// databaseExists says whether dir holds a database, without creating anything.
func databaseExists(dir string) error {
	_, err := os.Stat(filepath.Join(dir, db.FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database in %s (`fieldbase migrate up` or `fieldbase serve` creates one)", dir)
	}
	return err
}
