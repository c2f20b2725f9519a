package db

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrator applies the embedded goose migrations (db/migrations/*.sql) to the store.
type Migrator struct {
	p *goose.Provider
	s *Store
}

// NewMigrator returns a migrator over the *.sql files of the store's engine: migrations holds one folder per
// engine (sqlite/, postgres/), each with the same versions.
func NewMigrator(s *Store, migrations fs.FS) (*Migrator, error) {
	sub, err := fs.Sub(migrations, s.Engine())
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	dialect, conn := goose.DialectSQLite3, s.write
	if s.pg != nil {
		dialect, conn = goose.DialectPostgres, s.migrateDB
	}
	p, err := goose.NewProvider(dialect, conn, sub)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{p: p, s: s}, nil
}

// Up applies every pending migration and returns the resulting version.
func (m *Migrator) Up(ctx context.Context) (int64, error) {
	if _, err := m.p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate up: %w", err)
	}
	m.s.prepareHot(ctx)
	return m.p.GetDBVersion(ctx)
}

// Down rolls back the most recent migration and returns the resulting version.
func (m *Migrator) Down(ctx context.Context) (int64, error) {
	m.s.closeHot() // the statements may name a table the step drops
	if _, err := m.p.Down(ctx); err != nil {
		return 0, fmt.Errorf("migrate down: %w", err)
	}
	return m.p.GetDBVersion(ctx)
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Source  string
	Applied bool
}

// Status lists every known migration in order.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Source: s.Source.Path,
			Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Version returns the version of the last applied migration.
func (m *Migrator) Version(ctx context.Context) (int64, error) { return m.p.GetDBVersion(ctx) }

// MigrationVersion reads the version of the last applied migration through the read pool; it doubles as the
// check that the database answers.
func (s *Store) MigrationVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx,
		"SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v, err
}
