package db

import (
	"context"
	"database/sql"
	"fmt"
)

// DigestRecipient is a person who chose an e-mail digest and has unread notifications no digest carried yet (or
// a digest claimed but not sent).
type DigestRecipient struct {
	UserID int64
	Digest string // hourly or daily
}

// DigestRecipients lists the people a digest may be due for, at most limit of them.
func (s *Store) DigestRecipients(ctx context.Context, limit int) ([]DigestRecipient, error) {
	return queryAll(ctx, s.read, func(row scanner) (DigestRecipient, error) {
		var r DigestRecipient
		return r, row.Scan(&r.UserID, &r.Digest)
	}, `SELECT u.id, ns.digest FROM notification_settings ns JOIN users u ON u.id = ns.user_id
		WHERE ns.digest != 'never' AND u.email != '' AND u.disabled = 0 AND (EXISTS (SELECT 1 FROM notifications n
		WHERE n.user_id = u.id AND n.read_at IS NULL AND n.digest_id IS NULL) OR EXISTS (SELECT 1 FROM
		notification_digests d WHERE d.user_id = u.id AND d.sent_at IS NULL)) ORDER BY u.id LIMIT ?`, limit)
}

// Digest is one e-mail digest: who it goes to and the notifications it carries.
type Digest struct {
	ID          int64
	UserID      int64
	Email       string
	Username    string
	DisplayName string
	// Language is the language the user chose for the pages ("" none): the digest is written in it.
	Language string
	Period   string
	Items    []Notification
}

// MaxDigestItems bounds how many notifications one digest carries; the rest wait for the next period.
const MaxDigestItems = 100

// ClaimDigest returns the digest of a user for a period, creating it if needed: the unread notifications no digest
// carried yet become its items, in the same write. A digest claimed earlier in the period and not sent yet comes
// back with the same items (a retry); one already sent, or no new items, gives a digest with no ID.
func (s *Store) ClaimDigest(ctx context.Context, userID int64, period string) (Digest, error) {
	d := Digest{UserID: userID, Period: period}
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT email, username, display_name, language FROM users WHERE id = ?",
			userID).Scan(&d.Email, &d.Username, &d.DisplayName, &d.Language)
		if err != nil {
			return fmt.Errorf("user %d: %w", userID, mapErr(err))
		}
		var id int64
		var sent string
		err = tx.QueryRowContext(ctx, `SELECT id, coalesce(sent_at, '') FROM notification_digests
			WHERE user_id = ? AND period = ?`, userID, period).Scan(&id, &sent)
		switch {
		case err == nil && sent != "":
			return nil
		case err == nil:
			d.ID = id
		case err != sql.ErrNoRows:
			return err
		default:
			// A digest of an earlier period that was never sent (its job gave up) goes out now, with its items.
			err = tx.QueryRowContext(ctx, `UPDATE notification_digests SET period = ? WHERE id = (SELECT id FROM
				notification_digests WHERE user_id = ? AND sent_at IS NULL ORDER BY id LIMIT 1) RETURNING id`,
				period, userID).Scan(&d.ID)
			if err == sql.ErrNoRows {
				d.ID, err = newDigest(ctx, tx, userID, period)
			}
			if err != nil || d.ID == 0 {
				return err
			}
		}
		d.Items, err = queryAll(ctx, tx, scanNotification, notificationSelect+
			" WHERE n.digest_id = ? ORDER BY n.id", d.ID)
		return err
	})
	return d, err
}

// newDigest records a digest and gives it the user's unread notifications that no digest carried; with none it
// records nothing and returns 0.
func newDigest(ctx context.Context, tx *sql.Tx, userID int64, period string) (int64, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL
		AND digest_id IS NULL`, userID).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO notification_digests (user_id, period, created_at) VALUES (?, ?, ?)
		RETURNING id`, userID, period, now()).Scan(&id)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE notifications SET digest_id = ? WHERE id IN (SELECT id FROM notifications
		WHERE user_id = ? AND read_at IS NULL AND digest_id IS NULL ORDER BY id LIMIT ?)`, id, userID, MaxDigestItems)
	return id, err
}

// MarkDigestSent records that the mail server accepted a digest, and when.
func (s *Store) MarkDigestSent(ctx context.Context, digestID int64) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		at := now()
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE notification_digests SET sent_at = ? WHERE id = ? AND sent_at IS NULL
			RETURNING user_id`, at, digestID).Scan(&userID)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notification_settings (user_id, last_digest_at) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET last_digest_at = excluded.last_digest_at`, userID, at)
		return err
	})
}
