package postgres

import (
	"context"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// CreateUser validates in and stores it normalized (the email trimmed and
// lower-cased) with a hash of the password. Emails are unique whatever their
// case. Returns EINVALID, ECONFLICT (email taken).
func (db *DB) CreateUser(ctx context.Context, in match.UserInput) (match.User, error) {
	u, err := match.NewUser(in, now())
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	err = db.pool.QueryRow(ctx, `
		INSERT INTO users (email, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
		RETURNING id`, u.Email, u.Role, u.PasswordHash, u.CreatedAt).Scan(&u.ID)
	if isUniqueViolation(err, "users_email_lower") {
		return match.User{}, match.Errorf(match.ECONFLICT, "a user with email %s already exists; choose another email", u.Email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with that email, however it is typed (see
// match.NormalizeEmail). Returns ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (match.User, error) {
	var u match.User
	err := db.pool.QueryRow(ctx, `
		SELECT id, email, role, password_hash, created_at FROM users WHERE lower(email) = $1`,
		match.NormalizeEmail(email)).Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.CreatedAt)
	if err != nil {
		return match.User{}, notFound(err, "read user", "no user has email %s", email)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}
