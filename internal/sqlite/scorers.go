package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// AssignScorer lets a user record match matchID's events; assigning twice
// is harmless. Returns ENOTFOUND (the match or the user).
func (db *DB) AssignScorer(ctx context.Context, matchID, userID int64) error {
	err := db.inTx(ctx, func(tx *txn) error {
		if err := checkMatchAndUser(ctx, tx, matchID, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO match_scorers (match_id, user_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, matchID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("assign user %d to match %d: %w", userID, matchID, err)
	}
	return nil
}

// checkMatchAndUser returns ENOTFOUND unless both exist.
func checkMatchAndUser(ctx context.Context, q querier, matchID, userID int64) error {
	if err := checkMatch(ctx, q, matchID); err != nil {
		return err
	}
	return checkUser(ctx, q, userID)
}

// checkMatch returns ENOTFOUND unless match id exists.
func checkMatch(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, "matches", id)
	if err != nil {
		return err
	}
	if !ok {
		return errMatchNotFound(id)
	}
	return nil
}

// UnassignScorer takes that right back; unassigning someone who is not
// assigned is harmless. Returns ENOTFOUND (the match).
func (db *DB) UnassignScorer(ctx context.Context, matchID, userID int64) error {
	err := db.inTx(ctx, func(tx *txn) error {
		if err := checkMatch(ctx, tx, matchID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM match_scorers WHERE match_id = ? AND user_id = ?`, matchID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("unassign user %d from match %d: %w", userID, matchID, err)
	}
	return nil
}

// MatchScorers returns the users assigned to a match, by email. Returns
// ENOTFOUND.
func (db *DB) MatchScorers(ctx context.Context, matchID int64) ([]match.User, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list scorers of match %d: %w", matchID, err)
	}
	defer tx.Rollback()
	if err := checkMatch(ctx, tx, matchID); err != nil {
		return nil, fmt.Errorf("list scorers of match %d: %w", matchID, err)
	}
	us, err := listUsers(ctx, tx, `SELECT `+userColumns+` FROM users
		WHERE id IN (SELECT user_id FROM match_scorers WHERE match_id = ?) ORDER BY email, id`, matchID)
	if err != nil {
		return nil, fmt.Errorf("list scorers of match %d: %w", matchID, err)
	}
	return us, nil
}

// IsAssigned reports whether the user is assigned to the match.
func (db *DB) IsAssigned(ctx context.Context, matchID, userID int64) (bool, error) {
	var ok bool
	err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM match_scorers WHERE match_id = ? AND user_id = ?)`,
		matchID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("is user %d assigned to match %d: %w", userID, matchID, err)
	}
	return ok, nil
}
