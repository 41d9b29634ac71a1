package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// userColumns are what scanUser reads, in its order.
const userColumns = `id, email, role, password_hash, created_at`

func scanUser(row pgx.Row) (match.User, error) {
	var u match.User
	if err := row.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.CreatedAt); err != nil {
		return match.User{}, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// errUserNotFound is the ENOTFOUND of an id that names no user.
func errUserNotFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "user %d does not exist", id)
}

// CreateUser validates in and stores it normalized (the email trimmed and
// lower-cased) with a hash of the password. Emails are unique whatever their
// case. Returns EINVALID, ECONFLICT (email taken).
func (db *DB) CreateUser(ctx context.Context, in match.UserInput) (match.User, error) {
	u, err := match.NewUser(in, now())
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	if u, err = insertUser(ctx, db.pool, u); err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// insertUser stores u and returns it with its id. Returns ECONFLICT (email
// taken).
func insertUser(ctx context.Context, q querier, u match.User) (match.User, error) {
	err := q.QueryRow(ctx, `
		INSERT INTO users (email, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
		RETURNING id`, u.Email, u.Role, u.PasswordHash, u.CreatedAt).Scan(&u.ID)
	if isUniqueViolation(err, "users_email_lower") {
		return match.User{}, match.Errorf(match.ECONFLICT, "a user with email %q already exists; choose another email", u.Email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("insert user %q: %w", u.Email, err)
	}
	return u, nil
}

// UserByEmail returns the user with that email, however it is typed (see
// match.NormalizeEmail). Returns ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (match.User, error) {
	email = match.NormalizeEmail(email)
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = $1`, email))
	if err := notFound(err, match.Errorf(match.ENOTFOUND, "no user has email %q", email)); err != nil {
		return match.User{}, fmt.Errorf("get user %q: %w", email, err)
	}
	return u, nil
}

// User returns one user. Returns ENOTFOUND.
func (db *DB) User(ctx context.Context, id int64) (match.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err := notFound(err, errUserNotFound(id)); err != nil {
		return match.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every user by email (by code point, as on SQLite).
func (db *DB) Users(ctx context.Context) ([]match.User, error) {
	us, err := listUsers(ctx, db.pool, `SELECT `+userColumns+` FROM users ORDER BY email COLLATE "C", id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// listUsers runs a query of userColumns; never nil.
func listUsers(ctx context.Context, q querier, query string, args ...any) ([]match.User, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.User, error) { return scanUser(row) })
	if err != nil {
		return nil, err
	}
	if us == nil {
		us = []match.User{}
	}
	return us, nil
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	n, err := countUsers(ctx, db.pool)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func countUsers(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetPasswordHash replaces a user's password hash (match.HashPassword).
// Returns ENOTFOUND.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
	if err == nil && tag.RowsAffected() == 0 {
		err = errUserNotFound(userID)
	}
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}
