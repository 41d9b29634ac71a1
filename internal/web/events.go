package web

import (
	"net/http"
	"strconv"

	"github.com/scoreboard/scoreboard/internal/match"
)

// eventList is a match's log, or the part of it after a seq.
type eventList struct {
	Events []match.Event `json:"events"`
}

// appendedDoc is the answer to an append: the event and the state it led to.
type appendedDoc struct {
	Event match.Event `json:"event"`
	State match.State `json:"state"`
}

// listEvents serves GET /api/v1/matches/{id}/events?since=SEQ: the match's
// log after seq SEQ (all of it without since), voided events and voids
// included, so that a client can replay it. Who recorded each event (an
// email) is not public and is left out.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	since := int64(0)
	if raw := r.URL.Query().Get("since"); raw != "" {
		if since, err = strconv.ParseInt(raw, 10, 64); err != nil || since < 0 {
			return match.Errorf(match.EINVALID, "since=%q must be a seq: a whole number from 0", raw)
		}
	}
	log, err := s.store.Events(r.Context(), id, since)
	if err != nil {
		return err
	}
	for i := range log {
		log[i].RecordedBy = ""
	}
	return writePublic(w, r, eventList{Events: log})
}

// appendEvent serves POST /api/v1/matches/{id}/events (admins and the
// match's scorers): the body is a match.NewEvent. 201 with the event and
// the new state; a retry with an idempotency key already used for the same
// request gets 200 with the original event and the current state; a stale
// expected_seq gets 409 naming the current seq.
func (s *server) appendEvent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayRecord(r, id); err != nil {
		return err
	}
	var in match.NewEvent
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	in.RecordedBy = currentUser(r).Email
	a, err := s.store.AppendEvent(r.Context(), id, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if a.Retry {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/matches/"+strconv.FormatInt(id, 10)+"/events?since="+strconv.FormatInt(a.Event.Seq-1, 10))
	return writeJSON(w, status, appendedDoc{Event: a.Event, State: a.State})
}
