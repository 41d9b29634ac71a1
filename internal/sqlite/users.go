package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// CreateUser stores a user with the hash of its password. Emails are unique
// regardless of case. Returns EINVALID, ECONFLICT (email taken).
func (db *DB) CreateUser(ctx context.Context, in match.UserInput) (match.User, error) {
	u, err := match.NewUser(in, now())
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO users (email, role, password_hash, created_at)
			VALUES (?, ?, ?, ?) RETURNING id`, u.Email, u.Role, u.PasswordHash, micros(u.CreatedAt)).Scan(&u.ID)
	})
	if isUnique(err) {
		return match.User{}, match.Errorf(match.ECONFLICT, "a user with email %q already exists; pick another email", u.Email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("create user %q: %w", u.Email, err)
	}
	return u, nil
}

// UserByEmail returns one user, matching the email as match.NormalizeEmail
// stores it (trimmed, any case). Returns ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (match.User, error) {
	email = match.NormalizeEmail(email)
	var u match.User
	var createdAt int64
	err := db.read.QueryRowContext(ctx, `SELECT id, email, role, password_hash, created_at
		FROM users WHERE email = ?`, email).Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return match.User{}, match.Errorf(match.ENOTFOUND, "no user has email %q", email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("get user %q: %w", email, err)
	}
	u.CreatedAt = fromMicros(createdAt)
	return u, nil
}
