package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// tokenColumns are the columns scanToken reads, in its order.
const tokenColumns = `id, user_id, name, created_at, expires_at, revoked_at`

func scanToken(row scanner) (match.APIToken, error) {
	var t match.APIToken
	var createdAt int64
	var expiresAt, revokedAt sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &createdAt, &expiresAt, &revokedAt); err != nil {
		return match.APIToken{}, err
	}
	t.CreatedAt = fromMicros(createdAt)
	t.ExpiresAt, t.RevokedAt = fromNullMicros(expiresAt), fromNullMicros(revokedAt)
	return t, nil
}

// nullMicros stores a nil time as NULL.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func fromNullMicros(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := fromMicros(us.Int64)
	return &t
}

// errTokenNotFound is the ENOTFOUND of an id that names no API token.
func errTokenNotFound(id string) error {
	return match.Errorf(match.ENOTFOUND, "API token %s does not exist", id)
}

// CreateAPIToken stores t. Returns EINVALID (the name), ENOTFOUND (the
// user), ECONFLICT (the id exists).
func (db *DB) CreateAPIToken(ctx context.Context, t match.APIToken) error {
	if err := match.ValidateTokenName(t.Name); err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	err := db.inTx(ctx, func(tx *txn) error {
		if err := checkUser(ctx, tx, t.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.Name, micros(t.CreatedAt), nullMicros(t.ExpiresAt), nullMicros(t.RevokedAt))
		if isUnique(err) {
			return match.Errorf(match.ECONFLICT, "API token %s exists already; make a new one", t.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create API token %s: %w", t.ID, err)
	}
	return nil
}

// APIToken returns one token. Returns ENOTFOUND.
func (db *DB) APIToken(ctx context.Context, id string) (match.APIToken, error) {
	t, err := scanToken(db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.APIToken{}, errTokenNotFound(id)
	}
	if err != nil {
		return match.APIToken{}, fmt.Errorf("get API token %s: %w", id, err)
	}
	return t, nil
}

// APITokens returns the tokens of a user (0: of everyone), newest first,
// revoked and expired ones included.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]match.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		WHERE ? = 0 OR user_id = ? ORDER BY created_at DESC, id DESC`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	ts := []match.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list API tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return ts, nil
}

// RevokeAPIToken marks a token revoked at at; revoking it again keeps the
// first instant. Returns ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) (match.APIToken, error) {
	var t match.APIToken
	err := db.inTx(ctx, func(tx *txn) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?)
			WHERE id = ? RETURNING `+tokenColumns, micros(at), id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return match.APIToken{}, errTokenNotFound(id)
	}
	if err != nil {
		return match.APIToken{}, fmt.Errorf("revoke API token %s: %w", id, err)
	}
	return t, nil
}

// CreateSetupToken stores the hash of a first-run setup token that is good
// until expiresAt. Returns ECONFLICT (the hash exists).
func (db *DB) CreateSetupToken(ctx context.Context, hash string, expiresAt time.Time) error {
	err := db.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (hash, expires_at) VALUES (?, ?)`, hash, micros(expiresAt))
		if isUnique(err) {
			return match.Errorf(match.ECONFLICT, "this setup token exists already; make a new one")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create setup token: %w", err)
	}
	return nil
}

// CreateFirstAdmin, in one transaction, uses up the setup token whose hash
// is tokenHash and creates the first user, an admin, from in, at now.
// Returns EUNAUTHORIZED (no such token, used, or expired), ECONFLICT (a
// user exists already), EINVALID.
func (db *DB) CreateFirstAdmin(ctx context.Context, tokenHash string, in match.UserInput, now time.Time) (match.User, error) {
	var u match.User
	err := db.inTx(ctx, func(tx *txn) error {
		var expiresAt int64
		var usedAt sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT expires_at, used_at FROM setup_tokens WHERE hash = ?`, tokenHash).Scan(&expiresAt, &usedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return errSetupUnknown()
		}
		if err != nil {
			return fmt.Errorf("get setup token: %w", err)
		}
		if err := checkSetupToken(fromMicros(expiresAt), fromNullMicros(usedAt), now); err != nil {
			return err
		}
		n, err := countUsers(ctx, tx)
		if err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return errSetupDone()
		}
		in.Role = match.RoleAdmin
		if u, err = match.NewUser(in, now.UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		if u, err = insertUser(ctx, tx, u); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE setup_tokens SET used_at = ? WHERE hash = ?`, micros(now), tokenHash)
		return err
	})
	if err != nil {
		return match.User{}, fmt.Errorf("create first admin: %w", err)
	}
	return u, nil
}

func errSetupUnknown() error {
	return match.Errorf(match.EUNAUTHORIZED, "this setup link is not valid; use the link the server logged at its start, or restart it for a new one")
}

func errSetupDone() error {
	return match.Errorf(match.ECONFLICT, "the first admin exists already; log in, or ask an admin for an account")
}

// checkSetupToken says why a setup token used at now is refused.
func checkSetupToken(expiresAt time.Time, usedAt *time.Time, now time.Time) error {
	if usedAt != nil {
		return match.Errorf(match.EUNAUTHORIZED, "this setup link was used at %s; log in, or restart the server for a new link", usedAt.Format(time.RFC3339))
	}
	if !now.Before(expiresAt) {
		return match.Errorf(match.EUNAUTHORIZED, "this setup link expired at %s; restart the server for a new one", expiresAt.Format(time.RFC3339))
	}
	return nil
}
