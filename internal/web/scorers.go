package web

import (
	"context"
	"net/http"

	"github.com/scoreboard/scoreboard/internal/match"
)

// userList is a list of users.
type userList struct {
	Users []match.User `json:"users"`
}

// listScorers serves GET /api/v1/matches/{id}/scorers (admins): the users
// assigned to record the match.
func (s *server) listScorers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	us, err := s.store.MatchScorers(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userList{Users: us})
}

// assignScorer serves PUT /api/v1/matches/{id}/scorers/{userID} (admins):
// the user may record the match from now on. 204.
func (s *server) assignScorer(w http.ResponseWriter, r *http.Request) error {
	return s.changeScorer(w, r, s.store.AssignScorer)
}

// unassignScorer serves DELETE /api/v1/matches/{id}/scorers/{userID}
// (admins). 204.
func (s *server) unassignScorer(w http.ResponseWriter, r *http.Request) error {
	return s.changeScorer(w, r, s.store.UnassignScorer)
}

// changeScorer applies change to the match and user the path names.
func (s *server) changeScorer(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, matchID, userID int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "userID")
	if err != nil {
		return err
	}
	if err := change(r.Context(), id, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
