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
const matchColumns = `id, competition, competition_id, sport,
	home_name, home_short_name, home_color, home_crest_url, home_team_id,
	away_name, away_short_name, away_color, away_crest_url, away_team_id,
	kick_off, time_zone, venue, status, seq, created_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanMatch(row scanner) (match.Match, error) {
	var m match.Match
	var competitionID, homeID, awayID sql.NullInt64
	var kickOff, createdAt int64
	err := row.Scan(&m.ID, &m.Competition, &competitionID, &m.Sport,
		&m.Home.Name, &m.Home.ShortName, &m.Home.Color, &m.Home.CrestURL, &homeID,
		&m.Away.Name, &m.Away.ShortName, &m.Away.Color, &m.Away.CrestURL, &awayID,
		&kickOff, &m.TimeZone, &m.Venue, &m.Status, &m.Seq, &createdAt)
	if err != nil {
		return match.Match{}, err
	}
	m.CompetitionID, m.HomeTeamID, m.AwayTeamID = competitionID.Int64, homeID.Int64, awayID.Int64
	m.KickOff = fromMicros(kickOff)
	m.CreatedAt = fromMicros(createdAt)
	return m, nil
}

// querier is a *sql.DB or *txn.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Match returns one match. Returns ENOTFOUND.
func (db *DB) Match(ctx context.Context, id int64) (match.Match, error) {
	m, err := getMatch(ctx, db.read, id)
	if err != nil {
		return match.Match{}, fmt.Errorf("get match %d: %w", id, err)
	}
	return m, nil
}

func getMatch(ctx context.Context, q querier, id int64) (match.Match, error) {
	m, err := scanMatch(q.QueryRowContext(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Match{}, errMatchNotFound(id)
	}
	return m, err
}

// lockMatch reads match id in the write transaction: the one writer's
// transaction holds the database's write lock, so writes to the match are
// serialized and each sees the log the previous one left.
func lockMatch(ctx context.Context, tx *txn, id int64) (match.Match, error) {
	return getMatch(ctx, tx, id)
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

// matchesQuery builds the query of Matches: one condition per filter set,
// so that each can use its index.
func matchesQuery(f match.MatchFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(f.Status) > 0 {
		ss := make([]any, len(f.Status))
		for i, s := range f.Status {
			ss[i] = s
		}
		add(`status IN (?`+strings.Repeat(`, ?`, len(ss)-1)+`)`, ss...)
	}
	if f.CompetitionID != 0 {
		add(`competition_id = ?`, f.CompetitionID)
	}
	if f.TeamID != 0 {
		add(`(home_team_id = ? OR away_team_id = ?)`, f.TeamID, f.TeamID)
	}
	if f.ScorerID != 0 {
		add(`id IN (SELECT match_id FROM match_scorers WHERE user_id = ?)`, f.ScorerID)
	}
	if !f.From.IsZero() {
		add(`kick_off >= ?`, micros(f.From))
	}
	if !f.Before.IsZero() {
		add(`kick_off < ?`, micros(f.Before))
	}
	query := `SELECT ` + matchColumns + ` FROM matches`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := int64(-1) // SQLite's "no limit"
	if f.Limit > 0 {
		limit = int64(f.Limit)
	}
	query += ` ORDER BY kick_off, id LIMIT ? OFFSET ?`
	return query, append(args, limit, f.Offset)
}

// State returns the match's current public state (the fold of its log, as
// stored by the last write) with the id of the update that published it.
// Returns ENOTFOUND.
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
		return match.State{}, errMatchNotFound(id)
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

// Summaries returns the compact state of each existing match of ids,
// read in one query with the timelines cut out by SQLite.
func (db *DB) Summaries(ctx context.Context, ids []int64) (map[int64]match.Summary, error) {
	out := make(map[int64]match.Summary, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, json_remove(state, '$.timeline') FROM matches
		WHERE id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read match summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var b string
		if err := rows.Scan(&id, &b); err != nil {
			return nil, fmt.Errorf("read match summaries: %w", err)
		}
		var sum match.Summary
		if err := json.Unmarshal([]byte(b), &sum); err != nil {
			return nil, fmt.Errorf("decode summary of match %d: %w", id, err)
		}
		out[id] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read match summaries: %w", err)
	}
	return out, nil
}
