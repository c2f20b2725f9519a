package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// User is a local account.
type User struct {
	ID           int64
	Username     string
	DisplayName  string
	Email        string
	PasswordHash string
	IsAdmin      bool
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Language is the pages' language the user chose ("" none); only Authenticate reads it.
	Language string
}

const userColumns = "id, username, display_name, email, password_hash, is_admin, disabled, created_at, updated_at"

type scanner interface{ Scan(...any) error }

func scanUser(row scanner) (User, error) {
	var u User
	var created, updated string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.PasswordHash, &u.IsAdmin, &u.Disabled,
		&created, &updated)
	if err != nil {
		return u, mapErr(err)
	}
	u.CreatedAt, u.UpdatedAt = parseTime(created), parseTime(updated)
	return u, nil
}

// personName is the SQL for how people know the user of table alias a: the display name when set, else the
// username; an empty string when the row is missing, as on the empty side of a LEFT JOIN.
func personName(a string) string {
	return "coalesce(nullif(trim(" + a + ".display_name), ''), " + a + ".username, '')"
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// now is the current time as stored: UTC, RFC 3339 with milliseconds.
func now() string { return formatTime(time.Now()) }

func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// CreateUser inserts a user; a username already taken (ignoring case) is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := now()
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, email, password_hash, is_admin,
			disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Username, u.DisplayName, u.Email, u.PasswordHash, u.IsAdmin, u.Disabled, t, t).Scan(&u.ID)
		u.CreatedAt, u.UpdatedAt = parseTime(t), parseTime(t)
		return err
	})
	return u, err
}

// User returns the user with id, or ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	return scanUser(s.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByUsername returns the user with that username (ignoring case), or ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	return scanUser(s.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+
		s.dialect("username = ?", "lower(username) = lower(?)"), username))
}

// UserFilter narrows a user listing.
type UserFilter struct {
	Query  string // part of the username or display name
	Limit  int
	Offset int
}

// Users lists users by username, with the total count of matches.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]User, int, error) {
	where, args := "", []any{}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := s.dialect("LIKE", "ILIKE") // SQLite's LIKE ignores case already
		where = " WHERE username " + like + " ? ESCAPE '\\' OR display_name " + like + " ? ESCAPE '\\'"
		pattern := "%" + escapeLike(q) + "%"
		args = append(args, pattern, pattern)
	}
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users"+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, s.read, scanUser, "SELECT "+userColumns+" FROM users"+where+
		" ORDER BY username LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	return out, total, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UserPatch is a partial change to a user; nil fields stay as they are.
type UserPatch struct {
	Username     *string
	DisplayName  *string
	Email        *string
	PasswordHash *string
	IsAdmin      *bool
	Disabled     *bool
}

// UpdateUser applies a patch. A new password or a disabled account revokes every session and token of the user,
// in the same transaction.
func (s *Store) UpdateUser(ctx context.Context, id int64, p UserPatch) (User, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		sets, args := []string{}, []any{}
		add := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
		if p.Username != nil {
			add("username", *p.Username)
		}
		if p.DisplayName != nil {
			add("display_name", *p.DisplayName)
		}
		if p.Email != nil {
			add("email", *p.Email)
		}
		if p.PasswordHash != nil {
			add("password_hash", *p.PasswordHash)
		}
		if p.IsAdmin != nil {
			add("is_admin", *p.IsAdmin)
		}
		if p.Disabled != nil {
			add("disabled", *p.Disabled)
		}
		add("updated_at", now())
		res, err := tx.ExecContext(ctx, "UPDATE users SET "+strings.Join(sets, ", ")+" WHERE id = ?",
			append(args, id)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d: %w", id, ErrNotFound)
		}
		if p.PasswordHash != nil || (p.Disabled != nil && *p.Disabled) {
			_, err = tx.ExecContext(ctx, "DELETE FROM credentials WHERE user_id = ?", id)
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, id)
}

// ChangePassword sets a new password hash and revokes every other session and token of the user (keepID, the
// credential making the change, stays valid).
func (s *Store) ChangePassword(ctx context.Context, userID int64, hash string, keepID int64) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
			hash, now(), userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM credentials WHERE user_id = ? AND id <> ?", userID, keepID)
		return err
	})
}

// CountAdmins counts the enabled administrators.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0").Scan(&n)
	return n, err
}

// Credential is a browser session or an API token (its secret is only known as a hash).
type Credential struct {
	ID         int64
	UserID     int64
	Kind       string // "session" or "token"
	Name       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
}

// CreateCredential stores a new session or token by the hash of its secret.
func (s *Store) CreateCredential(ctx context.Context, c Credential, tokenHash string) (Credential, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := now()
		err := tx.QueryRowContext(ctx, `INSERT INTO credentials (user_id, kind, token_hash, name, created_at,
			expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.UserID, c.Kind, tokenHash, c.Name, t, formatTime(c.ExpiresAt), t).Scan(&c.ID)
		c.CreatedAt, c.LastUsedAt = parseTime(t), parseTime(t)
		return err
	})
	return c, err
}

// Authenticate finds the unexpired credential with this hash and its enabled user, or ErrNotFound.
func (s *Store) Authenticate(ctx context.Context, tokenHash string, at time.Time) (Credential, User, error) {
	var c Credential
	var created, expires, used string
	row := s.read.QueryRowContext(ctx, `SELECT c.id, c.user_id, c.kind, c.name, c.created_at, c.expires_at,
		c.last_used_at, `+prefixed("u.", userColumns)+`, u.language FROM credentials c JOIN users u ON u.id = c.user_id
		WHERE c.token_hash = ? AND c.expires_at > ? AND u.disabled = 0`, tokenHash, formatTime(at))
	var u User
	var uc, uu string
	err := row.Scan(&c.ID, &c.UserID, &c.Kind, &c.Name, &created, &expires, &used, &u.ID, &u.Username,
		&u.DisplayName, &u.Email, &u.PasswordHash, &u.IsAdmin, &u.Disabled, &uc, &uu, &u.Language)
	if err != nil {
		return c, u, mapErr(err)
	}
	c.CreatedAt, c.ExpiresAt, c.LastUsedAt = parseTime(created), parseTime(expires), parseTime(used)
	u.CreatedAt, u.UpdatedAt = parseTime(uc), parseTime(uu)
	return c, u, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// TouchCredential records that a credential was used.
func (s *Store) TouchCredential(ctx context.Context, id int64, at time.Time) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE credentials SET last_used_at = ? WHERE id = ?", formatTime(at), id)
		return err
	})
}

// RevokeCredential deletes one credential; revoking one that is gone is not an error.
func (s *Store) RevokeCredential(ctx context.Context, id int64) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM credentials WHERE id = ?", id)
		return err
	})
}

// DeleteExpiredCredentials removes credentials that expired before at.
func (s *Store) DeleteExpiredCredentials(ctx context.Context, at time.Time) (int64, error) {
	var n int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM credentials WHERE expires_at <= ?", formatTime(at))
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}
