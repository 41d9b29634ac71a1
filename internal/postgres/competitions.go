package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// competitionColumns are what scanCompetition reads, in its order.
const competitionColumns = `id, slug, name, sport, season, archived, created_at`

func scanCompetition(row pgx.Row) (match.Competition, error) {
	var c match.Competition
	if err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.Sport, &c.Season, &c.Archived, &c.CreatedAt); err != nil {
		return match.Competition{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
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
	err = db.pool.QueryRow(ctx, `INSERT INTO competitions (slug, name, sport, season, archived, created_at)
		VALUES ($1, $2, $3, $4, false, $5) RETURNING id`, c.Slug, c.Name, c.Sport, c.Season, c.CreatedAt).Scan(&c.ID)
	if isUniqueViolation(err, "competitions_slug_key") {
		return match.Competition{}, errSlugTaken(c.Slug)
	}
	if err != nil {
		return match.Competition{}, fmt.Errorf("create competition %q: %w", c.Slug, err)
	}
	return c, nil
}

// Competition returns one competition. Returns ENOTFOUND.
func (db *DB) Competition(ctx context.Context, id int64) (match.Competition, error) {
	c, err := scanCompetition(db.pool.QueryRow(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE id = $1`, id))
	if err := notFound(err, errCompetitionNotFound(id)); err != nil {
		return match.Competition{}, fmt.Errorf("get competition %d: %w", id, err)
	}
	return c, nil
}

// CompetitionBySlug returns one competition. Returns ENOTFOUND.
func (db *DB) CompetitionBySlug(ctx context.Context, slug string) (match.Competition, error) {
	c, err := scanCompetition(db.pool.QueryRow(ctx, `SELECT `+competitionColumns+` FROM competitions WHERE slug = $1`, slug))
	if err := notFound(err, match.Errorf(match.ENOTFOUND, "no competition has slug %q", slug)); err != nil {
		return match.Competition{}, fmt.Errorf("get competition %q: %w", slug, err)
	}
	return c, nil
}

// Competitions returns competitions by name then id, archived ones only
// when asked. Names sort by code point, as on SQLite.
func (db *DB) Competitions(ctx context.Context, includeArchived bool) ([]match.Competition, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+competitionColumns+` FROM competitions
		WHERE $1 OR NOT archived ORDER BY name COLLATE "C", id`, includeArchived)
	if err != nil {
		return nil, fmt.Errorf("list competitions: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.Competition, error) { return scanCompetition(row) })
	if err != nil {
		return nil, fmt.Errorf("list competitions: %w", err)
	}
	if cs == nil {
		cs = []match.Competition{}
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
	got, err := scanCompetition(db.pool.QueryRow(ctx, `UPDATE competitions SET name = $1, season = $2, slug = $3, archived = $4
		WHERE id = $5 RETURNING `+competitionColumns, c.Name, c.Season, c.Slug, c.Archived, c.ID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return match.Competition{}, errCompetitionNotFound(c.ID)
	case isUniqueViolation(err, "competitions_slug_key"):
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
