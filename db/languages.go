package db

import (
	"context"
	"database/sql"
)

// UserLanguage returns the language user id chose for the pages, "" when none (or no such user).
func (s *Store) UserLanguage(ctx context.Context, id int64) (string, error) {
	var lang string
	err := s.read.QueryRowContext(ctx, "SELECT language FROM users WHERE id = ?", id).Scan(&lang)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return lang, err
}

// SetUserLanguage saves the language user id chose ("" forgets the choice); ErrNotFound when there is no such user.
func (s *Store) SetUserLanguage(ctx context.Context, id int64, lang string) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET language = ?, updated_at = ? WHERE id = ?", lang, now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
