package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scoreboard/scoreboard/internal/match"
)

// matchColumns are what scanMatch reads, in its order.
const matchColumns = `id, competition, competition_id, sport,
	home_name, home_short_name, home_color, home_crest_url, home_team_id,
	away_name, away_short_name, away_color, away_crest_url, away_team_id,
	kick_off, time_zone, venue, status, seq, created_at`

// scanMatch reads a row of matchColumns.
func scanMatch(row pgx.Row) (match.Match, error) {
	var m match.Match
	var competitionID, homeID, awayID *int64
	err := row.Scan(&m.ID, &m.Competition, &competitionID, &m.Sport,
		&m.Home.Name, &m.Home.ShortName, &m.Home.Color, &m.Home.CrestURL, &homeID,
		&m.Away.Name, &m.Away.ShortName, &m.Away.Color, &m.Away.CrestURL, &awayID,
		&m.KickOff, &m.TimeZone, &m.Venue, &m.Status, &m.Seq, &m.CreatedAt)
	if err != nil {
		return match.Match{}, err
	}
	m.CompetitionID, m.HomeTeamID, m.AwayTeamID = orZero(competitionID), orZero(homeID), orZero(awayID)
	m.KickOff = m.KickOff.UTC()
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

func orZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// querier is a pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Match returns one match. Returns ENOTFOUND.
func (db *DB) Match(ctx context.Context, id int64) (match.Match, error) {
	m, err := getMatch(ctx, db.pool, id)
	if err != nil {
		return match.Match{}, fmt.Errorf("get match %d: %w", id, err)
	}
	return m, nil
}

func getMatch(ctx context.Context, q querier, id int64) (match.Match, error) {
	m, err := scanMatch(q.QueryRow(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = $1`, id))
	return m, notFound(err, errMatchNotFound(id))
}

// lockMatch reads match id and locks its row until tx ends: writes to one
// match are serialized, so each sees the log the previous one left and seq
// stays gapless.
func lockMatch(ctx context.Context, tx pgx.Tx, id int64) (match.Match, error) {
	m, err := scanMatch(tx.QueryRow(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = $1 FOR UPDATE`, id))
	return m, notFound(err, errMatchNotFound(id))
}

// errMatchNotFound is the ENOTFOUND of a match id that names no match.
func errMatchNotFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "match %d does not exist", id)
}

// Matches returns the matches that pass the filter, by kick-off time then
// id. Returns EINVALID (see match.MatchFilter.Validate).
func (db *DB) Matches(ctx context.Context, f match.MatchFilter) ([]match.Match, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	query, args := matchesQuery(f)
	rows, err := db.pool.Query(ctx, query, args...)
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

// matchesQuery builds the query of Matches: one condition per filter set,
// so that each can use its index.
func matchesQuery(f match.MatchFilter) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Status) > 0 {
		ss := make([]string, len(f.Status))
		for i, s := range f.Status {
			ss[i] = string(s)
		}
		where = append(where, `status = ANY(`+arg(ss)+`)`)
	}
	if f.CompetitionID != 0 {
		where = append(where, `competition_id = `+arg(f.CompetitionID))
	}
	if f.TeamID != 0 {
		id := arg(f.TeamID)
		where = append(where, `(home_team_id = `+id+` OR away_team_id = `+id+`)`)
	}
	if f.ScorerID != 0 {
		where = append(where, `id IN (SELECT match_id FROM match_scorers WHERE user_id = `+arg(f.ScorerID)+`)`)
	}
	if !f.From.IsZero() {
		where = append(where, `kick_off >= `+arg(f.From))
	}
	if !f.Before.IsZero() {
		where = append(where, `kick_off < `+arg(f.Before))
	}
	query := `SELECT ` + matchColumns + ` FROM matches`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY kick_off, id LIMIT NULLIF(` + arg(f.Limit) + `, 0) OFFSET ` + arg(f.Offset)
	return query, args
}

// State returns the match's current public state (the fold of its log, as
// stored by the last write) with the id of the update that published it.
// Returns ENOTFOUND.
func (db *DB) State(ctx context.Context, id int64) (match.State, error) {
	st, err := getState(ctx, db.pool, id)
	if err != nil {
		return match.State{}, fmt.Errorf("get state of match %d: %w", id, err)
	}
	return st, nil
}

func getState(ctx context.Context, q querier, id int64) (match.State, error) {
	var raw []byte
	if err := q.QueryRow(ctx, `SELECT state FROM matches WHERE id = $1`, id).Scan(&raw); err != nil {
		return match.State{}, notFound(err, errMatchNotFound(id))
	}
	var st match.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return match.State{}, fmt.Errorf("decode state: %w", err)
	}
	return st, nil
}

// Summaries returns the compact state of each existing match of ids,
// read in one query with the timelines cut out by PostgreSQL.
func (db *DB) Summaries(ctx context.Context, ids []int64) (map[int64]match.Summary, error) {
	out := make(map[int64]match.Summary, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, state - 'timeline' FROM matches WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read match summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, fmt.Errorf("read match summaries: %w", err)
		}
		var sum match.Summary
		if err := json.Unmarshal(raw, &sum); err != nil {
			return nil, fmt.Errorf("decode summary of match %d: %w", id, err)
		}
		out[id] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read match summaries: %w", err)
	}
	return out, nil
}
