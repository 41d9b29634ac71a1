package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/match"
)

// competitionColumns are the columns scanCompetition reads, in its order.
const competitionColumns = `id, slug, name, sport, season, archived, created_at`

func scanCompetition(row scanner) (match.Competition, error) {
	var c match.Competition
	var createdAt int64
	if err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.Sport, &c.Season, &c.Archived, &createdAt); err != nil {
		return match.Competition{}, err
	}
	c.CreatedAt = fromMicros(createdAt)
	return c, nil
}

// errSlugTaken is the ECONFLICT of a slug another competition has.
func errSlugTaken(slug string) error {
	return match.Errorf(match.ECONFLICT, "slug %q is taken by another competition; choose another slug", slug)
}

// errCompetitionNotFound is the ENOTFOUND of an id that names no
// competition.
func errCompetitionNotFound(id int64) error {
	return match.Errorf(match.ENOTFOUND, "competition %d does not exist", id)
}

// CreateCompetition validates in and stores it. Returns EINVALID,
// ECONFLICT (slug taken).
func (db *DB) CreateCompetition(ctx context.Context, in match.CompetitionInput) (match.Competition, error) {
	c, err := match.NewCompetition(in, now())
	if err != nil {
		return match.Competition{}, fmt.Errorf("create competition: %w", err)
	}
	err = db.inTx(ctx, func(tx *txn) error {
		return tx.QueryRowContext(ctx, `INSERT INTO competitions (slug, name, sport, season, archived, created_at)
			VALUES (?, ?, ?, ?, 0, ?) RETURNING id`, c.Slug, c.Name, c.Sport, c.Season, micros(c.CreatedAt)).Scan(&c.ID)
	})
	if isUnique(err) {
		return match.Competition{}, errSlugTaken(c.Slug)
	}
	if err != nil {
		return match.Competition{}, fmt.Errorf("create competition %q: %w", c.Slug, err)
	}
	return c, nil
}

// Competition returns one competition. Returns ENOTFOUND.
func (db *DB) Competition(ctx context.Context, id int64) (match.Competition, error) {
	c, err := scanCompetition(db.read.QueryRowContext(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Competition{}, errCompetitionNotFound(id)
	}
	if err != nil {
		return match.Competition{}, fmt.Errorf("get competition %d: %w", id, err)
	}
	return c, nil
}

// CompetitionBySlug returns one competition. Returns ENOTFOUND.
func (db *DB) CompetitionBySlug(ctx context.Context, slug string) (match.Competition, error) {
	c, err := scanCompetition(db.read.QueryRowContext(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Competition{}, match.Errorf(match.ENOTFOUND, "no competition has slug %q", slug)
	}
	if err != nil {
		return match.Competition{}, fmt.Errorf("get competition %q: %w", slug, err)
	}
	return c, nil
}

// Competitions returns competitions by name then id, archived ones only
// when asked.
func (db *DB) Competitions(ctx context.Context, includeArchived bool) ([]match.Competition, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+competitionColumns+` FROM competitions
		WHERE ? OR NOT archived ORDER BY name, id`, includeArchived)
	if err != nil {
		return nil, fmt.Errorf("list competitions: %w", err)
	}
	defer rows.Close()
	cs := []match.Competition{}
	for rows.Next() {
		c, err := scanCompetition(rows)
		if err != nil {
			return nil, fmt.Errorf("list competitions: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list competitions: %w", err)
	}
	return cs, nil
}

// UpdateCompetition stores c's name, season, slug and archived flag (see
// match.Competition.Apply), validated again, and returns the competition
// as stored. Returns EINVALID, ENOTFOUND, ECONFLICT (slug taken).
func (db *DB) UpdateCompetition(ctx context.Context, c match.Competition) (match.Competition, error) {
	c, err := checkCompetition(c)
	if err != nil {
		return match.Competition{}, err
	}
	var got match.Competition
	err = db.inTx(ctx, func(tx *txn) error {
		got, err = scanCompetition(tx.QueryRowContext(ctx, `UPDATE competitions SET name = ?, season = ?, slug = ?, archived = ?
			WHERE id = ? RETURNING `+competitionColumns, c.Name, c.Season, c.Slug, c.Archived, c.ID))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return match.Competition{}, errCompetitionNotFound(c.ID)
	case isUnique(err):
		return match.Competition{}, errSlugTaken(c.Slug)
	case err != nil:
		return match.Competition{}, fmt.Errorf("update competition %d: %w", c.ID, err)
	}
	return got, nil
}

// checkCompetition validates and normalizes c as Apply does.
func checkCompetition(c match.Competition) (match.Competition, error) {
	v, err := c.Apply(match.CompetitionPatch{})
	if err != nil {
		return match.Competition{}, fmt.Errorf("update competition %d: %w", c.ID, err)
	}
	return v, nil
}
