package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, email, role, password_hash, created_at`

func scanUser(row scanner) (match.User, error) {
	var u match.User
	var createdAt int64
	if err := row.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &createdAt); err != nil {
		return match.User{}, err
	}
	u.CreatedAt = fromMicros(createdAt)
	return u, nil
}

// errUserNotFound is the ENOTFOUND of an id that names no user.
func errUserNotFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "user %d does not exist", id)
}

// CreateUser stores a user with the hash of its password. Emails are unique
// regardless of case. Returns EINVALID, ECONFLICT (email taken).
func (db *DB) CreateUser(ctx context.Context, in match.UserInput) (match.User, error) {
	u, err := match.NewUser(in, now())
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	err = db.inTx(ctx, func(tx *txn) error {
		u, err = insertUser(ctx, tx, u)
		return err
	})
	if err != nil {
		return match.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// insertUser stores u and returns it with its id. Returns ECONFLICT (email
// taken).
func insertUser(ctx context.Context, tx *txn, u match.User) (match.User, error) {
	err := tx.QueryRowContext(ctx, `INSERT INTO users (email, role, password_hash, created_at)
		VALUES (?, ?, ?, ?) RETURNING id`, u.Email, u.Role, u.PasswordHash, micros(u.CreatedAt)).Scan(&u.ID)
	if isUnique(err) {
		return match.User{}, match.Errorf(match.ECONFLICT, "a user with email %q already exists; choose another email", u.Email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("insert user %q: %w", u.Email, err)
	}
	return u, nil
}

// UserByEmail returns one user, matching the email as match.NormalizeEmail
// stores it (trimmed, any case). Returns ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (match.User, error) {
	email = match.NormalizeEmail(email)
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return match.User{}, match.Errorf(match.ENOTFOUND, "no user has email %q", email)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("get user %q: %w", email, err)
	}
	return u, nil
}

// User returns one user. Returns ENOTFOUND.
func (db *DB) User(ctx context.Context, id int64) (match.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.User{}, errUserNotFound(id)
	}
	if err != nil {
		return match.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every user by email.
func (db *DB) Users(ctx context.Context) ([]match.User, error) {
	us, err := listUsers(ctx, db.read, `SELECT `+userColumns+` FROM users ORDER BY email, id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// listUsers runs a query of userColumns; never nil.
func listUsers(ctx context.Context, q querier, query string, args ...any) ([]match.User, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	us := []match.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	n, err := countUsers(ctx, db.read)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func countUsers(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetPasswordHash replaces a user's password hash (match.HashPassword).
// Returns ENOTFOUND.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return err
		}
		return mustAffect(res, errUserNotFound(userID))
	})
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// mustAffect returns notFound when res changed no row.
func mustAffect(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
