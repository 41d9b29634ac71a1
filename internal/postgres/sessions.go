package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// sessionColumns are what scanSession reads, in its order.
const sessionColumns = `id, user_id, created_at, expires_at, user_agent, remote_addr`

func scanSession(row pgx.Row) (match.Session, error) {
	var s match.Session
	if err := row.Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.UserAgent, &s.RemoteAddr); err != nil {
		return match.Session{}, err
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// CreateSession stores s and deletes the user's sessions that had expired
// by s.CreatedAt. Returns ENOTFOUND (the user), ECONFLICT (the id exists).
func (db *DB) CreateSession(ctx context.Context, s match.Session) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := checkUser(ctx, tx, s.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, s.UserID, s.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.ID, s.UserID, s.CreatedAt, s.ExpiresAt, s.UserAgent, s.RemoteAddr)
		if isUniqueViolation(err, "sessions_pkey") {
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
	s, err := scanSession(db.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if err := notFound(err, match.Errorf(match.ENOTFOUND, "the session does not exist or has ended; log in again")); err != nil {
		return match.Session{}, fmt.Errorf("get session: %w", err)
	}
	return s, nil
}

// DeleteSession ends a session; ending one that does not exist is
// harmless.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user but the one whose id is
// except ("" for none) and returns how many it ended.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64, except string) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, except)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return int(tag.RowsAffected()), nil
}

// UserSessions returns a user's sessions, newest first.
func (db *DB) UserSessions(ctx context.Context, userID int64) ([]match.Session, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = $1
		ORDER BY created_at DESC, id COLLATE "C" DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	ss, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.Session, error) { return scanSession(row) })
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	if ss == nil {
		ss = []match.Session{}
	}
	return ss, nil
}
