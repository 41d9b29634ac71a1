package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
)

// Paging of match lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// matchDoc is a match as the API returns it: its fields, its full public
// state (timeline and update_id included) and the hub topic its updates
// are published on.
type matchDoc struct {
	Match match.Match `json:"match"`
	State match.State `json:"state"`
	Topic string      `json:"topic"`
}

// matchItem is a match in a list: its fields, its compact state and the
// hub topic its updates are published on (what a live list subscribes to).
type matchItem struct {
	Match match.Match   `json:"match"`
	State match.Summary `json:"state"`
	Topic string        `json:"topic"`
}

// matchList is a page of matches; NextOffset is set when more follow.
type matchList struct {
	Matches    []matchItem `json:"matches"`
	NextOffset *int        `json:"next_offset"`
}

// topic is the hub topic of match id.
func (s *server) topic(id int64) string {
	return s.publicURL + "/matches/" + strconv.FormatInt(id, 10)
}

// listMatches serves GET /api/v1/matches: the public list of matches by
// kick-off, filtered by competition (id or slug), team (id), status (a
// comma-separated list) and date (a day in the tz time zone), a page at a
// time (limit, offset).
func (s *server) listMatches(w http.ResponseWriter, r *http.Request) error {
	f, err := s.matchFilter(r)
	if err != nil {
		return err
	}
	list, err := s.matchPage(r.Context(), f)
	if err != nil {
		return err
	}
	return writePublic(w, r, list)
}

// matchFilter reads a match list's query parameters.
func (s *server) matchFilter(r *http.Request) (match.MatchFilter, error) {
	var f match.MatchFilter
	var err error
	q := r.URL.Query()
	if ref := q.Get("competition"); ref != "" {
		c, err := s.competitionByRef(r.Context(), ref)
		if err != nil {
			return f, err
		}
		f.CompetitionID = c.ID
	}
	if f.TeamID, err = queryID(r, "team"); err != nil {
		return f, err
	}
	if raw := q.Get("status"); raw != "" {
		for _, st := range strings.Split(raw, ",") {
			f.Status = append(f.Status, match.Status(strings.TrimSpace(st)))
		}
	}
	if f.From, f.Before, _, err = queryDay(r, false); err != nil {
		return f, err
	}
	if f.Limit, err = queryInt(r, "limit", defaultPageSize, 1, maxPageSize); err != nil {
		return f, err
	}
	if f.Offset, err = queryInt(r, "offset", 0, 0, 1_000_000); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// matchPage lists the matches f selects with their compact states, asking
// the store for one more than a page to know whether another follows.
func (s *server) matchPage(ctx context.Context, f match.MatchFilter) (matchList, error) {
	page := f.Limit
	f.Limit++
	ms, err := s.store.Matches(ctx, f)
	if err != nil {
		return matchList{}, err
	}
	list := matchList{Matches: []matchItem{}}
	if len(ms) > page {
		ms = ms[:page]
		next := f.Offset + page
		list.NextOffset = &next
	}
	sums, err := s.summaries(ctx, ms)
	if err != nil {
		return matchList{}, err
	}
	for _, m := range ms {
		list.Matches = append(list.Matches, matchItem{Match: m, State: sums[m.ID], Topic: s.topic(m.ID)})
	}
	return list, nil
}

// summaries reads the compact states of ms at once.
func (s *server) summaries(ctx context.Context, ms []match.Match) (map[int64]match.Summary, error) {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	sums, err := s.store.Summaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if _, ok := sums[m.ID]; !ok {
			return nil, fmt.Errorf("summary of match %d: missing", m.ID)
		}
	}
	return sums, nil
}

// getMatch serves GET /api/v1/matches/{id}: the match, its full public state
// with update_id, and its topic.
func (s *server) getMatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, err := s.matchDoc(r.Context(), id)
	if err != nil {
		return err
	}
	return writePublic(w, r, doc)
}

func (s *server) matchDoc(ctx context.Context, id int64) (matchDoc, error) {
	m, err := s.store.Match(ctx, id)
	if err != nil {
		return matchDoc{}, err
	}
	st, err := s.store.State(ctx, id)
	if err != nil {
		return matchDoc{}, err
	}
	return matchDoc{Match: m, State: st, Topic: s.topic(id)}, nil
}

// createMatch serves POST /api/v1/matches (admins): a match from the ids of
// a stored competition and teams, or from names typed in (the body
// match.MatchInput takes), or a mix. 201 with the match document and its
// Location.
func (s *server) createMatch(w http.ResponseWriter, r *http.Request) error {
	var in match.MatchInput
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	in, err := s.resolveMatch(r.Context(), match.Match{}, in)
	if err != nil {
		return err
	}
	m, err := s.store.CreateMatch(r.Context(), in)
	if err != nil {
		return err
	}
	doc, err := s.matchDoc(r.Context(), m.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/matches/"+strconv.FormatInt(m.ID, 10))
	return writeJSON(w, http.StatusCreated, doc)
}

// resolveMatch fills in the names of the competition and teams in's ids
// name (see match.MatchInput.Resolve; was is the match before an edit).
// Returns EINVALID for an id that names nothing, naming the field.
func (s *server) resolveMatch(ctx context.Context, was match.Match, in match.MatchInput) (match.MatchInput, error) {
	var c *match.Competition
	if in.CompetitionID != 0 {
		got, err := s.store.Competition(ctx, in.CompetitionID)
		if err != nil {
			return match.MatchInput{}, fieldNotFound("competition_id", err)
		}
		c = &got
	}
	teams := [2]*match.TeamProfile{}
	for i, id := range []struct {
		field string
		id    int64
	}{{"home_team_id", in.HomeTeamID}, {"away_team_id", in.AwayTeamID}} {
		if id.id == 0 {
			continue
		}
		got, err := s.store.Team(ctx, id.id)
		if err != nil {
			return match.MatchInput{}, fieldNotFound(id.field, err)
		}
		teams[i] = &got
	}
	return in.Resolve(was, c, teams[0], teams[1])
}

// fieldNotFound turns a store's ENOTFOUND for an id given in a body into
// EINVALID naming the field: the request, not the URL, is what is wrong.
func fieldNotFound(field string, err error) error {
	if match.ErrorCode(err) == match.ENOTFOUND {
		return match.Errorf(match.EINVALID, "%s: %s", field, match.ErrorMessage(err))
	}
	return err
}

// editMatch serves PATCH /api/v1/matches/{id} (admins and the match's
// scorers): it changes the fields the body gives (match.MatchPatch), re-folds
// the state with them and publishes it. 200 with the match document.
func (s *server) editMatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayRecord(r, id); err != nil {
		return err
	}
	m, err := s.store.Match(r.Context(), id)
	if err != nil {
		return err
	}
	var p match.MatchPatch
	if err := decodeJSON(w, r, maxJSONBody, &p); err != nil {
		return err
	}
	in, err := s.resolveMatch(r.Context(), m, m.Input().Apply(p))
	if err != nil {
		return err
	}
	m, st, err := s.store.EditMatch(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, matchDoc{Match: m, State: st, Topic: s.topic(id)})
}

// mayRecord refuses, with EFORBIDDEN naming the match, a user who may not
// record in match id: a scorer an admin did not assign to it. Allowed, it
// does not read the match (an event a second into one match need not
// wait for that read each time): what the caller does next says when
// there is no such match. Refused, a match that does not exist is
// ENOTFOUND rather than EFORBIDDEN.
func (s *server) mayRecord(r *http.Request, id int64) error {
	u := currentUser(r)
	assigned := false
	if u.Role != match.RoleAdmin {
		var err error
		if assigned, err = s.store.IsAssigned(r.Context(), id, u.ID); err != nil {
			return err
		}
	}
	if err := u.CanRecord(id, assigned); err != nil {
		if _, merr := s.store.Match(r.Context(), id); merr != nil {
			return merr
		}
		return err
	}
	return nil
}
