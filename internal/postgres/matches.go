package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// matchColumns are what scanMatch reads, in its order.
const matchColumns = `id, competition, sport,
	home_name, home_short_name, home_color, away_name, away_short_name, away_color,
	kick_off, time_zone, venue, status, seq, created_at`

// scanMatch reads a row of matchColumns, followed by any extra destinations.
func scanMatch(row pgx.Row, extra ...any) (match.Match, error) {
	var m match.Match
	dest := append([]any{&m.ID, &m.Competition, &m.Sport,
		&m.Home.Name, &m.Home.ShortName, &m.Home.Color,
		&m.Away.Name, &m.Away.ShortName, &m.Away.Color,
		&m.KickOff, &m.TimeZone, &m.Venue, &m.Status, &m.Seq, &m.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return match.Match{}, err
	}
	m.KickOff = m.KickOff.UTC()
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

// CreateMatch validates in and stores a new scheduled match with the state
// its empty log folds to. Returns EINVALID.
func (db *DB) CreateMatch(ctx context.Context, in match.MatchInput) (match.Match, error) {
	nm, err := match.NewMatch(in, now())
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	var m match.Match
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `
			INSERT INTO matches (competition, sport,
				home_name, home_short_name, home_color, away_name, away_short_name, away_color,
				kick_off, time_zone, venue, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			RETURNING `+matchColumns,
			nm.Competition, nm.Sport,
			nm.Home.Name, nm.Home.ShortName, nm.Home.Color, nm.Away.Name, nm.Away.ShortName, nm.Away.Color,
			nm.KickOff, nm.TimeZone, nm.Venue, nm.CreatedAt)
		var err error
		if m, err = scanMatch(row); err != nil {
			return err
		}
		st := match.Fold(m, nil)
		state, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode state: %w", err)
		}
		m.Status, m.Seq = st.Status, st.Seq
		_, err = tx.Exec(ctx, `UPDATE matches SET state = $2, status = $3, seq = $4 WHERE id = $1`,
			m.ID, state, st.Status, st.Seq)
		return err
	})
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	return m, nil
}

// Match returns one match. Returns ENOTFOUND.
func (db *DB) Match(ctx context.Context, id int64) (match.Match, error) {
	m, err := scanMatch(db.pool.QueryRow(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = $1`, id))
	if err != nil {
		return match.Match{}, notFound(err, fmt.Sprintf("read match %d", id), "match %d does not exist", id)
	}
	return m, nil
}

// Matches returns the matches that pass the filter, by kick-off time (then
// by id, so that the order is stable). Returns EINVALID for a negative
// limit or an unknown status.
func (db *DB) Matches(ctx context.Context, f match.MatchFilter) ([]match.Match, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var want []string // nil: every status
	for _, s := range f.Status {
		want = append(want, string(s))
	}
	rows, err := db.pool.Query(ctx, `
		SELECT `+matchColumns+` FROM matches
		WHERE $1::text[] IS NULL OR status = ANY($1)
		ORDER BY kick_off, id
		LIMIT NULLIF($2, 0)`, want, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list matches: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.Match, error) { return scanMatch(row) })
	if err != nil {
		return nil, fmt.Errorf("list matches: %w", err)
	}
	if ms == nil {
		ms = []match.Match{}
	}
	return ms, nil
}

// State returns the match's current public state, as stored by the last
// append. Returns ENOTFOUND.
func (db *DB) State(ctx context.Context, id int64) (match.State, error) {
	var raw []byte
	err := db.pool.QueryRow(ctx, `SELECT state FROM matches WHERE id = $1`, id).Scan(&raw)
	if err != nil {
		return match.State{}, notFound(err, fmt.Sprintf("read state of match %d", id), "match %d does not exist", id)
	}
	var st match.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return match.State{}, fmt.Errorf("decode state of match %d: %w", id, err)
	}
	return st, nil
}
