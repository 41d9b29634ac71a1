package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// sessionColumns are the columns scanSession reads, in its order.
const sessionColumns = `id, user_id, created_at, expires_at, user_agent, remote_addr`

func scanSession(row scanner) (match.Session, error) {
	var s match.Session
	var createdAt, expiresAt int64
	if err := row.Scan(&s.ID, &s.UserID, &createdAt, &expiresAt, &s.UserAgent, &s.RemoteAddr); err != nil {
		return match.Session{}, err
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return s, nil
}

// CreateSession stores s and deletes the user's sessions that had expired
// by s.CreatedAt. Returns ENOTFOUND (the user), ECONFLICT (the id exists).
func (db *DB) CreateSession(ctx context.Context, s match.Session) error {
	err := db.inTx(ctx, func(tx *txn) error {
		if err := checkUser(ctx, tx, s.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?`, s.UserID, micros(s.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, s.UserID, micros(s.CreatedAt), micros(s.ExpiresAt), s.UserAgent, s.RemoteAddr)
		if isUnique(err) {
			return match.Errorf(match.ECONFLICT, "a session with this id exists already; log in again")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of user %d: %w", s.UserID, err)
	}
	return nil
}

// checkUser returns ENOTFOUND unless user id exists.
func checkUser(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, "users", id)
	if err != nil {
		return err
	}
	if !ok {
		return errUserNotFound(id)
	}
	return nil
}

// Session returns the session with id, expired or not. Returns ENOTFOUND.
func (db *DB) Session(ctx context.Context, id string) (match.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Session{}, match.Errorf(match.ENOTFOUND, "the session does not exist or has ended; log in again")
	}
	if err != nil {
		return match.Session{}, fmt.Errorf("get session: %w", err)
	}
	return s, nil
}

// DeleteSession ends a session; ending one that does not exist is
// harmless.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user but the one whose id is
// except ("" for none) and returns how many it ended.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64, except string) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, except)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return int(n), nil
}

// UserSessions returns a user's sessions, newest first.
func (db *DB) UserSessions(ctx context.Context, userID int64) ([]match.Session, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = ?
		ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	defer rows.Close()
	ss := []match.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return ss, nil
}
