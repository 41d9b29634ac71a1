package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// competitionList is every competition.
type competitionList struct {
	Competitions []match.Competition `json:"competitions"`
}

// competitionDoc is a competition with its teams and its matches of a day.
type competitionDoc struct {
	Competition match.Competition   `json:"competition"`
	Teams       []match.TeamProfile `json:"teams"`
	Date        string              `json:"date"` // YYYY-MM-DD, in TimeZone
	TimeZone    string              `json:"time_zone"`
	Matches     []matchItem         `json:"matches"`
}

// maxDayMatches bounds the matches a competition's day lists: more than
// any real fixture list, so that one read costs a bounded amount.
const maxDayMatches = maxPageSize

// listCompetitions serves GET /api/v1/competitions: competitions by name,
// archived ones too with archived=true.
func (s *server) listCompetitions(w http.ResponseWriter, r *http.Request) error {
	archived, err := queryBool(r, "archived")
	if err != nil {
		return err
	}
	cs, err := s.store.Competitions(r.Context(), archived)
	if err != nil {
		return err
	}
	return writePublic(w, r, competitionList{Competitions: cs})
}

// getCompetition serves GET /api/v1/competitions/{id-or-slug}: the
// competition, its teams, and its matches of the day date (YYYY-MM-DD,
// default today) in time zone tz (default UTC).
func (s *server) getCompetition(w http.ResponseWriter, r *http.Request) error {
	c, err := s.competitionByRef(r.Context(), chi.URLParam(r, "ref"))
	if err != nil {
		return err
	}
	from, before, _, err := queryDay(r, true)
	if err != nil {
		return err
	}
	teams, err := s.store.Teams(r.Context(), match.TeamFilter{CompetitionID: c.ID})
	if err != nil {
		return err
	}
	list, err := s.matchPage(r.Context(), match.MatchFilter{CompetitionID: c.ID, From: from, Before: before, Limit: maxDayMatches})
	if err != nil {
		return err
	}
	return writePublic(w, r, competitionDoc{
		Competition: c, Teams: teams, Date: from.Format("2006-01-02"), TimeZone: from.Location().String(), Matches: list.Matches,
	})
}

// competitionByRef finds a competition by id (all digits) or by slug.
// Returns ENOTFOUND.
func (s *server) competitionByRef(ctx context.Context, ref string) (match.Competition, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return s.store.Competition(ctx, id)
	}
	if len(ref) > 200 {
		return match.Competition{}, match.Errorf(match.ENOTFOUND, "no competition has that slug")
	}
	return s.store.CompetitionBySlug(ctx, ref)
}

// createCompetition serves POST /api/v1/competitions (admins): 201 with the
// competition.
func (s *server) createCompetition(w http.ResponseWriter, r *http.Request) error {
	var in match.CompetitionInput
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	c, err := s.store.CreateCompetition(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/competitions/"+c.Slug)
	return writeJSON(w, http.StatusCreated, c)
}

// editCompetition serves PATCH /api/v1/competitions/{id-or-slug} (admins):
// name, season, slug, and archived (true archives it; false brings it
// back).
func (s *server) editCompetition(w http.ResponseWriter, r *http.Request) error {
	var p match.CompetitionPatch
	if err := decodeJSON(w, r, maxJSONBody, &p); err != nil {
		return err
	}
	c, err := s.competitionByRef(r.Context(), chi.URLParam(r, "ref"))
	if err != nil {
		return err
	}
	if c, err = c.Apply(p); err != nil {
		return err
	}
	if c, err = s.store.UpdateCompetition(r.Context(), c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}
