package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// tokenColumns are what scanToken reads, in its order.
const tokenColumns = `id, user_id, name, created_at, expires_at, revoked_at`

func scanToken(row pgx.Row) (match.APIToken, error) {
	var t match.APIToken
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
		return match.APIToken{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt = utc(t.ExpiresAt), utc(t.RevokedAt)
	return t, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
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
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := checkUser(ctx, tx, t.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.UserID, t.Name, t.CreatedAt, t.ExpiresAt, t.RevokedAt)
		if isUniqueViolation(err, "api_tokens_pkey") {
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
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id))
	if err := notFound(err, errTokenNotFound(id)); err != nil {
		return match.APIToken{}, fmt.Errorf("get API token %s: %w", id, err)
	}
	return t, nil
}

// APITokens returns the tokens of a user (0: of everyone), newest first,
// revoked and expired ones included.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]match.APIToken, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		WHERE $1::bigint = 0 OR user_id = $1 ORDER BY created_at DESC, id COLLATE "C" DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.APIToken, error) { return scanToken(row) })
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	if ts == nil {
		ts = []match.APIToken{}
	}
	return ts, nil
}

// RevokeAPIToken marks a token revoked at at; revoking it again keeps the
// first instant. Returns ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) (match.APIToken, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1)
		WHERE id = $2 RETURNING `+tokenColumns, at, id))
	if err := notFound(err, errTokenNotFound(id)); err != nil {
		return match.APIToken{}, fmt.Errorf("revoke API token %s: %w", id, err)
	}
	return t, nil
}

// CreateSetupToken stores the hash of a first-run setup token that is good
// until expiresAt. Returns ECONFLICT (the hash exists).
func (db *DB) CreateSetupToken(ctx context.Context, hash string, expiresAt time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO setup_tokens (hash, expires_at) VALUES ($1, $2)`, hash, expiresAt)
	if isUniqueViolation(err, "setup_tokens_pkey") {
		err = match.Errorf(match.ECONFLICT, "this setup token exists already; make a new one")
	}
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
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The users table is locked so that two first admins cannot be
		// made at once with two tokens: the count below stays true until
		// commit.
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock users: %w", err)
		}
		var expiresAt time.Time
		var usedAt *time.Time
		err := tx.QueryRow(ctx, `SELECT expires_at, used_at FROM setup_tokens WHERE hash = $1 FOR UPDATE`, tokenHash).Scan(&expiresAt, &usedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return errSetupUnknown()
		}
		if err != nil {
			return fmt.Errorf("get setup token: %w", err)
		}
		if err := checkSetupToken(expiresAt.UTC(), utc(usedAt), now); err != nil {
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
		_, err = tx.Exec(ctx, `UPDATE setup_tokens SET used_at = $1 WHERE hash = $2`, now, tokenHash)
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
