package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// teamColumns are the columns scanTeam reads, in its order.
const teamColumns = `id, name, short_name, color, crest_url, archived, created_at`

func scanTeam(row scanner) (match.TeamProfile, error) {
	var t match.TeamProfile
	var createdAt int64
	if err := row.Scan(&t.ID, &t.Name, &t.ShortName, &t.Color, &t.CrestURL, &t.Archived, &createdAt); err != nil {
		return match.TeamProfile{}, err
	}
	t.CreatedAt = fromMicros(createdAt)
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
	err = db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, short_name, color, crest_url, archived, created_at)
			VALUES (?, ?, ?, ?, 0, ?) RETURNING id`, t.Name, t.ShortName, t.Color, t.CrestURL, micros(t.CreatedAt)).Scan(&t.ID)
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
func setTeamCompetitions(ctx context.Context, tx *txn, t match.TeamProfile) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_competitions WHERE team_id = ?`, t.ID); err != nil {
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_competitions (team_id, competition_id) VALUES (?, ?)`, t.ID, id); err != nil {
			return fmt.Errorf("add competition %d: %w", id, err)
		}
	}
	return nil
}

// Team returns one team with its competitions. Returns ENOTFOUND.
func (db *DB) Team(ctx context.Context, id int64) (match.TeamProfile, error) {
	t, err := getTeam(ctx, db.read, id)
	if err != nil {
		return match.TeamProfile{}, fmt.Errorf("get team %d: %w", id, err)
	}
	return t, nil
}

func getTeam(ctx context.Context, q querier, id int64) (match.TeamProfile, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.TeamProfile{}, errTeamNotFound(id)
	}
	if err != nil {
		return match.TeamProfile{}, err
	}
	ts := []match.TeamProfile{t}
	if err := addCompetitionIDs(ctx, q, ts); err != nil {
		return match.TeamProfile{}, err
	}
	return ts[0], nil
}

// Teams returns the teams that pass the filter, by name then id.
func (db *DB) Teams(ctx context.Context, f match.TeamFilter) ([]match.TeamProfile, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams
		WHERE (? OR NOT archived)
		AND (? = 0 OR id IN (SELECT team_id FROM team_competitions WHERE competition_id = ?))
		ORDER BY name, id`, f.IncludeArchived, f.CompetitionID, f.CompetitionID)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	ts := []match.TeamProfile{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list teams: %w", err)
		}
		ts = append(ts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	if err := addCompetitionIDs(ctx, tx, ts); err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
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
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("encode team ids: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT team_id, competition_id FROM team_competitions
		WHERE team_id IN (SELECT value FROM json_each(?)) ORDER BY team_id, competition_id`, string(list))
	if err != nil {
		return fmt.Errorf("read competitions of teams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var team, competition int64
		if err := rows.Scan(&team, &competition); err != nil {
			return fmt.Errorf("read competitions of teams: %w", err)
		}
		ts[index[team]].CompetitionIDs = append(ts[index[team]].CompetitionIDs, competition)
	}
	return rows.Err()
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
	err = db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = ?, short_name = ?, color = ?, crest_url = ?, archived = ?
			WHERE id = ?`, v.Name, v.ShortName, v.Color, v.CrestURL, v.Archived, v.ID)
		if err != nil {
			return fmt.Errorf("update team: %w", err)
		}
		if err := mustAffect(res, errTeamNotFound(v.ID)); err != nil {
			return err
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
