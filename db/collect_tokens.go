package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CollectToken is an ODK Collect device token bound to one project. Only the hash of the secret is stored.
type CollectToken struct {
	ID        int64
	ProjectID int64
	Name      string
	TokenHash string
	Nonce     string // the token is derived from it (see app), so its QR code can be drawn again
	CreatedBy int64
	// CreatedByName is how people know the user who created it (display name, else username), filled by
	// CollectTokens.
	CreatedByName string
	CreatedAt     time.Time
	RevokedAt     *time.Time
}

const collectTokenColumns = "id, project_id, name, token_hash, nonce, coalesce(created_by, 0), created_at, revoked_at"

func scanCollectToken(row scanner, extra ...any) (CollectToken, error) {
	var t CollectToken
	var created string
	var revoked sql.NullString
	dest := append([]any{&t.ID, &t.ProjectID, &t.Name, &t.TokenHash, &t.Nonce, &t.CreatedBy, &created, &revoked},
		extra...)
	if err := row.Scan(dest...); err != nil {
		return CollectToken{}, mapErr(err)
	}
	t.CreatedAt = parseTime(created)
	if revoked.Valid {
		r := parseTime(revoked.String)
		t.RevokedAt = &r
	}
	return t, nil
}

// CreateCollectToken stores a device token (its hash) for a project.
func (s *Store) CreateCollectToken(ctx context.Context, t CollectToken) (CollectToken, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		t, err = scanCollectToken(tx.QueryRowContext(ctx, `INSERT INTO collect_tokens (project_id, name, token_hash,
			nonce, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING `+collectTokenColumns,
			t.ProjectID, t.Name, t.TokenHash, t.Nonce, nullID(t.CreatedBy), now()))
		return err
	})
	return t, err
}

// CollectTokens lists a project's device tokens, revoked ones included, oldest first, with their creators' names.
func (s *Store) CollectTokens(ctx context.Context, projectID int64) ([]CollectToken, error) {
	return queryAll(ctx, s.read, func(row scanner) (CollectToken, error) {
		var name string
		t, err := scanCollectToken(row, &name)
		t.CreatedByName = name
		return t, err
	}, "SELECT "+collectTokenColumns+", coalesce((SELECT "+personName("u")+
		" FROM users u WHERE u.id = collect_tokens.created_by), '') FROM collect_tokens WHERE project_id = ? ORDER BY id",
		projectID)
}

// CollectToken returns one device token of a project, or ErrNotFound.
func (s *Store) CollectToken(ctx context.Context, projectID, id int64) (CollectToken, error) {
	return scanCollectToken(s.read.QueryRowContext(ctx, "SELECT "+collectTokenColumns+
		" FROM collect_tokens WHERE project_id = ? AND id = ?", projectID, id))
}

// CollectTokenByHash returns the active (not revoked) token with this hash, or ErrNotFound for an unknown or
// revoked token alike.
func (s *Store) CollectTokenByHash(ctx context.Context, hash string) (CollectToken, error) {
	return scanCollectToken(s.read.QueryRowContext(ctx, "SELECT "+collectTokenColumns+
		" FROM collect_tokens WHERE token_hash = ? AND revoked_at IS NULL", hash))
}

// RevokeCollectToken revokes a device token; revoking twice is not an error. An unknown token is ErrNotFound.
func (s *Store) RevokeCollectToken(ctx context.Context, projectID, id int64) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE collect_tokens SET revoked_at = coalesce(revoked_at, ?)
			WHERE project_id = ? AND id = ?`, now(), projectID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("collect token %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
