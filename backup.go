package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fieldbase/app/backup"
	"fieldbase/app/config"
	"fieldbase/app/dirlock"
	"fieldbase/app/jobs"
)

// lockDataDir takes the lock serve holds on its data directory while it runs, so that a restore (or a second
// server) cannot pull the directory from under it.
func lockDataDir(dir string) (*dirlock.Lock, error) {
	lock, err := dirlock.TryLock(dir)
	if errors.Is(err, dirlock.ErrHeld) {
		return nil, fmt.Errorf("another Fieldbase server (or a restore) is using %s", dir)
	}
	return lock, err
}

// backupOptions are the backup job's settings from the configuration.
func backupOptions(cfg config.Config) jobs.BackupOptions {
	return jobs.BackupOptions{Dir: cfg.BackupsDir(), Interval: cfg.Backups.Interval, Keep: cfg.Backups.Keep,
		AppVersion: version}
}

// backupCommand runs `fieldbase backup [--dir DIR] [--out FILE]` (safe while the server runs) and
// `fieldbase backup list`.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, environ []string,
	stdout io.Writer) error {
	out, args, err := takeFlag(args, "out")
	if err != nil {
		return err
	}
	cfg, pos, err := loadConfig("backup", args, getenv, environ, false)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "list":
		return listBackups(cfg.BackupsDir(), stdout)
	case len(pos) > 0:
		return &usageError{fmt.Sprintf("unexpected argument %q (backup takes --out FILE, or list)", pos[0])}
	}
	if err := databaseExists(cfg.Data.Dir); err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(cfg.BackupsDir(), backup.NewName(time.Now(), false))
	} else if !strings.EqualFold(filepath.Ext(out), ".zip") {
		return &usageError{"--out must name a .zip file"}
	}
	start := time.Now()
	m, err := backup.Create(ctx, cfg.Data.Dir, out, backup.Options{AppVersion: version})
	if err != nil {
		return fmt.Errorf("backup failed, no archive written: %w", err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "backup written to %s in %s: %d projects, %d submissions, %d files, %s (%s of data)\n",
		out, time.Since(start).Round(time.Millisecond), m.Projects, m.Submissions, m.Files(), byteSize(st.Size()),
		byteSize(m.Bytes()))
	return err
}

// listBackups prints the good archives of dir, newest first.
func listBackups(dir string, stdout io.Writer) error {
	list, err := backup.List(dir)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		_, err := fmt.Fprintf(stdout, "no backups in %s\n", dir)
		return err
	}
	for _, b := range list {
		kind := "manual"
		if b.Scheduled {
			kind = "scheduled"
		}
		fmt.Fprintf(stdout, "%s  %s  %9s  %-9s  version %s, schema %d\n", b.Name,
			b.CreatedAt.Local().Format("2006-01-02 15:04"), byteSize(b.Size), kind, b.AppVersion, b.SchemaVersion)
	}
	return nil
}

// restoreCommand runs `fieldbase restore FILE [--dir DIR]`: nothing changes unless the archive is good and no
// server holds DIR.
func restoreCommand(ctx context.Context, args []string, getenv func(string) string, environ []string,
	stdout io.Writer) error {
	cfg, pos, err := loadConfig("restore", args, getenv, environ, false)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"restore needs exactly one archive: fieldbase restore FILE --dir DIR"}
	}
	file := pos[0]
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore refused, nothing was changed: %w", err)
	}
	if m, err := backup.Inspect(file); err != nil {
		return fmt.Errorf("restore refused, nothing was changed: %w", err)
	} else if known := latestMigration(); m.SchemaVersion > known {
		return fmt.Errorf("restore refused, nothing was changed: the backup was made by Fieldbase %s with database "+
			"schema %d, newer than this one knows (%d): restore it with that version or a later one",
			m.AppVersion, m.SchemaVersion, known)
	}
	start := time.Now()
	res, err := backup.Restore(ctx, file, cfg.Data.Dir)
	if err != nil {
		return fmt.Errorf("restore refused, nothing was changed: %w", err)
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "restored %s (taken %s by Fieldbase %s, schema %d) into %s in %s:\n", file,
		m.CreatedAt.Local().Format("2006-01-02 15:04:05"), m.AppVersion, m.SchemaVersion, cfg.Data.Dir,
		time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  %d projects, %d submissions, %d files, %s\n", res.Projects, res.Submissions, res.Files,
		byteSize(res.Bytes))
	if res.Previous != "" {
		fmt.Fprintf(stdout, "the previous data directory is kept in %s (delete it once you are satisfied)\n",
			res.Previous)
	}
	return nil
}

// takeFlag removes --name VALUE (or --name=VALUE, or one dash) from args and returns its value.
func takeFlag(args []string, name string) (string, []string, error) {
	var val string
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		flag := strings.TrimLeft(a, "-")
		if a == flag || a == "--" {
			rest = append(rest, a)
			continue
		}
		switch {
		case flag == name:
			if i+1 >= len(args) {
				return "", nil, &usageError{"flag needs an argument: -" + name}
			}
			val, i = args[i+1], i+1
		case strings.HasPrefix(flag, name+"="):
			val = flag[len(name)+1:]
		default:
			rest = append(rest, a)
		}
	}
	return val, rest, nil
}

// byteSize writes a size for people: 532 B, 12.3 MB, 1.4 GB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTP"[exp])
}

// latestMigration is the version of the newest migration built into this binary (from the file names, 00005_x.sql).
func latestMigration() int64 {
	migrations, _ := embedded()
	names, _ := fs.Glob(migrations, "sqlite/*.sql")
	var latest int64
	for _, n := range names {
		if v, err := strconv.ParseInt(strings.SplitN(path.Base(n), "_", 2)[0], 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}
