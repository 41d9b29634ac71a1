package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
)

// matchColumns are the columns scanMatch reads, in its order.
const matchColumns = `id, competition, sport, home_name, home_short_name, home_color,
	away_name, away_short_name, away_color, kick_off, time_zone, venue, status, seq, created_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanMatch(row scanner) (match.Match, error) {
	var m match.Match
	var kickOff, createdAt int64
	err := row.Scan(&m.ID, &m.Competition, &m.Sport, &m.Home.Name, &m.Home.ShortName, &m.Home.Color,
		&m.Away.Name, &m.Away.ShortName, &m.Away.Color, &kickOff, &m.TimeZone, &m.Venue,
		&m.Status, &m.Seq, &createdAt)
	if err != nil {
		return match.Match{}, err
	}
	m.KickOff = fromMicros(kickOff)
	m.CreatedAt = fromMicros(createdAt)
	return m, nil
}

// CreateMatch validates in and stores a new scheduled match with the state
// its empty log folds to. Returns EINVALID.
func (db *DB) CreateMatch(ctx context.Context, in match.MatchInput) (match.Match, error) {
	m, err := match.NewMatch(in, now())
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	m.KickOff = fromMicros(micros(m.KickOff)) // the precision stored
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO matches (competition, sport,
			home_name, home_short_name, home_color, away_name, away_short_name, away_color,
			kick_off, time_zone, venue, status, seq, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '{}', ?) RETURNING id`,
			m.Competition, m.Sport, m.Home.Name, m.Home.ShortName, m.Home.Color,
			m.Away.Name, m.Away.ShortName, m.Away.Color, micros(m.KickOff), m.TimeZone, m.Venue,
			m.Status, micros(m.CreatedAt)).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		st := match.Fold(m, nil)
		m.Status, m.Seq = st.Status, st.Seq
		data, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode state: %w", err)
		}
		return storeState(ctx, tx, st, data)
	})
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	return m, nil
}

// storeState writes st, encoded as data, as its match's state, with the
// status and seq copied out of it for lists.
func storeState(ctx context.Context, tx *sql.Tx, st match.State, data []byte) error {
	_, err := tx.ExecContext(ctx, `UPDATE matches SET state = ?, status = ?, seq = ? WHERE id = ?`,
		string(data), st.Status, st.Seq, st.ID)
	if err != nil {
		return fmt.Errorf("store state: %w", err)
	}
	return nil
}

// Match returns one match. Returns ENOTFOUND.
func (db *DB) Match(ctx context.Context, id int64) (match.Match, error) {
	m, err := getMatch(ctx, db.read, id)
	if err != nil {
		return match.Match{}, fmt.Errorf("get match %d: %w", id, err)
	}
	return m, nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func getMatch(ctx context.Context, q querier, id int64) (match.Match, error) {
	m, err := scanMatch(q.QueryRowContext(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Match{}, notFound(id)
	}
	return m, err
}

func notFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "match %d does not exist", id)
}

// Matches returns the matches that pass the filter, by kick-off time.
// Returns EINVALID for a negative limit or an unknown status.
func (db *DB) Matches(ctx context.Context, f match.MatchFilter) ([]match.Match, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	query := `SELECT ` + matchColumns + ` FROM matches`
	var args []any
	if len(f.Status) > 0 {
		for _, s := range f.Status {
			args = append(args, s)
		}
		query += ` WHERE status IN (?` + strings.Repeat(`, ?`, len(f.Status)-1) + `)`
	}
	query += ` ORDER BY kick_off, id`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list matches: %w", err)
	}
	defer rows.Close()
	ms := []match.Match{}
	for rows.Next() {
		m, err := scanMatch(rows)
		if err != nil {
			return nil, fmt.Errorf("list matches: %w", err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list matches: %w", err)
	}
	return ms, nil
}

// State returns the match's current public state (the fold of its log, as
// stored by the last append). Returns ENOTFOUND.
func (db *DB) State(ctx context.Context, id int64) (match.State, error) {
	st, err := getState(ctx, db.read, id)
	if err != nil {
		return match.State{}, fmt.Errorf("get state of match %d: %w", id, err)
	}
	return st, nil
}

func getState(ctx context.Context, q querier, id int64) (match.State, error) {
	var b string
	err := q.QueryRowContext(ctx, `SELECT state FROM matches WHERE id = ?`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return match.State{}, notFound(id)
	}
	if err != nil {
		return match.State{}, err
	}
	var st match.State
	if err := json.Unmarshal([]byte(b), &st); err != nil {
		return match.State{}, fmt.Errorf("decode state: %w", err)
	}
	return st, nil
}
