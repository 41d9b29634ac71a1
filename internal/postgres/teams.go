package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// teamColumns are what scanTeam reads, in its order.
const teamColumns = `id, name, short_name, color, crest_url, archived, created_at`

func scanTeam(row pgx.Row) (match.TeamProfile, error) {
	var t match.TeamProfile
	if err := row.Scan(&t.ID, &t.Name, &t.ShortName, &t.Color, &t.CrestURL, &t.Archived, &t.CreatedAt); err != nil {
		return match.TeamProfile{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.CompetitionIDs = []int64{}
	return t, nil
}

// errTeamNotFound is the ENOTFOUND of an id that names no team.
func errTeamNotFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "team %d does not exist", id)
}

// CreateTeam validates in and stores it with its competitions. Returns
// EINVALID, ENOTFOUND (a competition id).
func (db *DB) CreateTeam(ctx context.Context, in match.TeamInput) (match.TeamProfile, error) {
	t, err := match.NewTeam(in, now())
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("create team: %w", err)
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO teams (name, short_name, color, crest_url, archived, created_at)
			VALUES ($1, $2, $3, $4, false, $5) RETURNING id`, t.Name, t.ShortName, t.Color, t.CrestURL, t.CreatedAt).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("insert team: %w", err)
		}
		return setTeamCompetitions(ctx, tx, t)
	})
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("create team: %w", err)
	}
	return t, nil
}

// setTeamCompetitions replaces the competitions team t plays in with
// t.CompetitionIDs, each of which must exist (ENOTFOUND).
func setTeamCompetitions(ctx context.Context, tx pgx.Tx, t match.TeamProfile) error {
	if _, err := tx.Exec(ctx, `DELETE FROM team_competitions WHERE team_id = $1`, t.ID); err != nil {
		return fmt.Errorf("clear competitions: %w", err)
	}
	for _, id := range t.CompetitionIDs {
		ok, err := exists(ctx, tx, "competitions", id)
		if err != nil {
			return err
		}
		if !ok {
			return errCompetitionNotFound(id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_competitions (team_id, competition_id) VALUES ($1, $2)`, t.ID, id); err != nil {
			return fmt.Errorf("add competition %d: %w", id, err)
		}
	}
	return nil
}

// Team returns one team with its competitions. Returns ENOTFOUND.
func (db *DB) Team(ctx context.Context, id int64) (match.TeamProfile, error) {
	t, err := getTeam(ctx, db.pool, id)
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("get team %d: %w", id, err)
	}
	return t, nil
}

func getTeam(ctx context.Context, q querier, id int64) (match.TeamProfile, error) {
	t, err := scanTeam(q.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = $1`, id))
	if err != nil {
		return match.TeamProfile{}, notFound(err, errTeamNotFound(id))
	}
	ts := []match.TeamProfile{t}
	if err := addCompetitionIDs(ctx, q, ts); err != nil {
		return match.TeamProfile{}, err
	}
	return ts[0], nil
}

// Teams returns the teams that pass the filter, by name then id. Names
// sort by code point, as on SQLite.
func (db *DB) Teams(ctx context.Context, f match.TeamFilter) ([]match.TeamProfile, error) {
	var ts []match.TeamProfile
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+teamColumns+` FROM teams
			WHERE ($1 OR NOT archived)
			AND ($2::bigint = 0 OR id IN (SELECT team_id FROM team_competitions WHERE competition_id = $2))
			ORDER BY name COLLATE "C", id`, f.IncludeArchived, f.CompetitionID)
		if err != nil {
			return err
		}
		if ts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.TeamProfile, error) { return scanTeam(row) }); err != nil {
			return err
		}
		return addCompetitionIDs(ctx, tx, ts)
	})
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	if ts == nil {
		ts = []match.TeamProfile{}
	}
	return ts, nil
}

// addCompetitionIDs fills in the competitions of each of ts, in ascending
// order.
func addCompetitionIDs(ctx context.Context, q querier, ts []match.TeamProfile) error {
	if len(ts) == 0 {
		return nil
	}
	index := make(map[int64]int, len(ts))
	ids := make([]int64, len(ts))
	for i, t := range ts {
		index[t.ID] = i
		ids[i] = t.ID
	}
	rows, err := q.Query(ctx, `SELECT team_id, competition_id FROM team_competitions
		WHERE team_id = ANY($1) ORDER BY team_id, competition_id`, ids)
	if err != nil {
		return fmt.Errorf("read competitions of teams: %w", err)
	}
	var team, competition int64
	_, err = pgx.ForEachRow(rows, []any{&team, &competition}, func() error {
		ts[index[team]].CompetitionIDs = append(ts[index[team]].CompetitionIDs, competition)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read competitions of teams: %w", err)
	}
	return nil
}

// UpdateTeam stores t's fields and competitions (see
// match.TeamProfile.Apply), validated again, and returns the team as
// stored. Matches already made keep their copy of the team. Returns
// EINVALID, ENOTFOUND (the team or a competition).
func (db *DB) UpdateTeam(ctx context.Context, t match.TeamProfile) (match.TeamProfile, error) {
	v, err := t.Apply(match.TeamPatch{})
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("update team %d: %w", t.ID, err)
	}
	var got match.TeamProfile
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE teams SET name = $1, short_name = $2, color = $3, crest_url = $4, archived = $5
			WHERE id = $6`, v.Name, v.ShortName, v.Color, v.CrestURL, v.Archived, v.ID)
		if err != nil {
			return fmt.Errorf("update team: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errTeamNotFound(v.ID)
		}
		if err := setTeamCompetitions(ctx, tx, v); err != nil {
			return err
		}
		got, err = getTeam(ctx, tx, v.ID)
		return err
	})
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("update team %d: %w", t.ID, err)
	}
	return got, nil
}
