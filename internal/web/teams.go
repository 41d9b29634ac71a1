package web

import (
	"net/http"
	"strconv"

	"github.com/scoreboard/scoreboard/internal/match"
)

// teamList is a list of teams.
type teamList struct {
	Teams []match.TeamProfile `json:"teams"`
}

// listTeams serves GET /api/v1/teams: teams by name, those of one
// competition (id or slug) with competition=, archived ones too with
// archived=true.
func (s *server) listTeams(w http.ResponseWriter, r *http.Request) error {
	var f match.TeamFilter
	var err error
	if f.IncludeArchived, err = queryBool(r, "archived"); err != nil {
		return err
	}
	if ref := r.URL.Query().Get("competition"); ref != "" {
		c, err := s.competitionByRef(r.Context(), ref)
		if err != nil {
			return err
		}
		f.CompetitionID = c.ID
	}
	ts, err := s.store.Teams(r.Context(), f)
	if err != nil {
		return err
	}
	return writePublic(w, r, teamList{Teams: ts})
}

// getTeam serves GET /api/v1/teams/{id}.
func (s *server) getTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.store.Team(r.Context(), id)
	if err != nil {
		return err
	}
	return writePublic(w, r, t)
}

// createTeam serves POST /api/v1/teams (admins): 201 with the team.
func (s *server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in match.TeamInput
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	t, err := s.store.CreateTeam(r.Context(), in)
	if err != nil {
		return fieldNotFound("competition_ids", err)
	}
	w.Header().Set("Location", "/api/v1/teams/"+strconv.FormatInt(t.ID, 10))
	return writeJSON(w, http.StatusCreated, t)
}

// editTeam serves PATCH /api/v1/teams/{id} (admins): the fields the body
// gives (match.TeamPatch). Matches already made keep the team as it was.
func (s *server) editTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p match.TeamPatch
	if err := decodeJSON(w, r, maxJSONBody, &p); err != nil {
		return err
	}
	t, err := s.store.Team(r.Context(), id)
	if err != nil {
		return err
	}
	if t, err = t.Apply(p); err != nil {
		return err
	}
	if t, err = s.store.UpdateTeam(r.Context(), t); err != nil {
		return fieldNotFound("competition_ids", err)
	}
	return writeJSON(w, http.StatusOK, t)
}
