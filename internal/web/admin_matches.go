package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// kickOffLayout is how a datetime-local field writes a kick-off.
const kickOffLayout = "2006-01-02T15:04"

// newMatchPage serves GET /admin/matches/new?competition=ID (admins): the
// form of a new match, with the teams of the competition chosen.
func (s *server) newMatchPage(w http.ResponseWriter, r *http.Request) error {
	f := url.Values{"competition_id": {r.URL.Query().Get("competition")}, "time_zone": {"Europe/Paris"}}
	v, err := s.matchForm(r, 0, f)
	if err != nil {
		return err
	}
	return render(w, r, templates.MatchForm(v))
}

// editMatchPage serves GET /admin/matches/{id}/edit (admins): the match's
// form and its scorers.
func (s *server) editMatchPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.store.Match(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := s.matchForm(r, id, matchValues(m))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("notice") == "saved" {
		v.Layout.Notice = "Saved."
	}
	return render(w, r, templates.MatchForm(v))
}

// matchValues are a match's fields as its form holds them.
func matchValues(m match.Match) url.Values {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	typed := func(id int64, t match.Team) string {
		if id != 0 {
			return ""
		}
		return t.Name
	}
	return url.Values{
		"competition_id": {id(m.CompetitionID)}, "competition": {m.Competition}, "sport": {m.Sport},
		"home_team_id": {id(m.HomeTeamID)}, "home": {typed(m.HomeTeamID, m.Home)}, "away_team_id": {id(m.AwayTeamID)}, "away": {typed(m.AwayTeamID, m.Away)},
		"kick_off": {m.KickOff.In(loc).Format(kickOffLayout)}, "time_zone": {m.TimeZone}, "venue": {m.Venue},
	}
}

// matchForm is the match form showing f, for match id (0: a new one).
func (s *server) matchForm(r *http.Request, id int64, f url.Values) (templates.MatchFormView, error) {
	ctx := r.Context()
	title := "New match"
	if id != 0 {
		title = "Edit match"
	}
	v := templates.MatchFormView{Layout: s.layout(r, title), MatchID: id, Values: f, Sports: sportOptions()}
	cs, err := s.store.Competitions(ctx, false)
	if err != nil {
		return v, err
	}
	for _, c := range cs {
		v.Competitions = append(v.Competitions, templates.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + " " + c.Season})
	}
	if cid, err := strconv.ParseInt(f.Get("competition_id"), 10, 64); err == nil {
		c, err := s.store.Competition(ctx, cid)
		if err != nil {
			return v, fieldNotFound("competition", err)
		}
		if f.Get("sport") == "" {
			f.Set("sport", c.Sport)
		}
		teams, err := s.store.Teams(ctx, match.TeamFilter{CompetitionID: cid})
		if err != nil {
			return v, err
		}
		for _, t := range teams {
			v.Teams = append(v.Teams, templates.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
		}
	}
	if id != 0 {
		if err := s.scorerOptions(r, id, &v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// scorerOptions fills in the match's scorers and the users who could be.
func (s *server) scorerOptions(r *http.Request, id int64, v *templates.MatchFormView) error {
	assigned, err := s.store.MatchScorers(r.Context(), id)
	if err != nil {
		return err
	}
	users, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	is := map[int64]bool{}
	for _, u := range assigned {
		is[u.ID] = true
		v.Scorers = append(v.Scorers, templates.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Email})
	}
	for _, u := range users {
		if !is[u.ID] && u.Role == match.RoleScorer {
			v.Candidates = append(v.Candidates, templates.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Email})
		}
	}
	return nil
}

// formMatch reads the match form. Returns EINVALID.
func formMatch(f url.Values) (match.MatchInput, error) {
	in := match.MatchInput{Competition: strings.TrimSpace(f.Get("competition")), Sport: f.Get("sport"),
		Home: match.Team{Name: strings.TrimSpace(f.Get("home"))}, Away: match.Team{Name: strings.TrimSpace(f.Get("away"))},
		TimeZone: strings.TrimSpace(f.Get("time_zone")), Venue: strings.TrimSpace(f.Get("venue"))}
	for _, id := range []struct {
		field string
		to    *int64
	}{{"competition_id", &in.CompetitionID}, {"home_team_id", &in.HomeTeamID}, {"away_team_id", &in.AwayTeamID}} {
		if raw := f.Get(id.field); raw != "" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return in, match.Errorf(match.EINVALID, "%s %q is not an id", id.field, raw)
			}
			*id.to = n
		}
	}
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil || in.TimeZone == "" {
		return in, match.Errorf(match.EINVALID, "time zone %q is unknown; give an IANA name such as Europe/Paris or America/New_York", in.TimeZone)
	}
	if in.KickOff, err = time.ParseInLocation(kickOffLayout, f.Get("kick_off"), loc); err != nil {
		return in, match.Errorf(match.EINVALID, "the kick-off %q is not a date and time (YYYY-MM-DDTHH:MM)", f.Get("kick_off"))
	}
	in.KickOff = in.KickOff.UTC()
	return in, nil
}

// submitNewMatch serves POST /admin/matches (admins; the match form): it
// creates the match, resolved as POST /api/v1/matches resolves it, and
// opens its edit page to assign scorers.
func (s *server) submitNewMatch(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := formMatch(r.PostForm)
	if err == nil {
		in, err = s.resolveMatch(r.Context(), match.Match{}, in)
	}
	var m match.Match
	if err == nil {
		m, err = s.store.CreateMatch(r.Context(), in)
	}
	if err != nil {
		return s.matchFormError(r, 0, err)
	}
	http.Redirect(w, r, "/admin/matches/"+strconv.FormatInt(m.ID, 10)+"/edit?notice=saved", http.StatusSeeOther)
	return nil
}

// submitEditMatch serves POST /admin/matches/{id}/edit (admins; the match
// form), as PATCH /api/v1/matches/{id} edits it.
func (s *server) submitEditMatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	m, err := s.store.Match(r.Context(), id)
	if err != nil {
		return err
	}
	in, err := formMatch(r.PostForm)
	// A team link the match keeps keeps the match's copy of the team.
	if in.HomeTeamID != 0 && in.HomeTeamID == m.HomeTeamID {
		in.Home = m.Home
	}
	if in.AwayTeamID != 0 && in.AwayTeamID == m.AwayTeamID {
		in.Away = m.Away
	}
	if err == nil {
		in, err = s.resolveMatch(r.Context(), m, in)
	}
	if err == nil {
		_, _, err = s.store.EditMatch(r.Context(), id, in)
	}
	if err != nil {
		return s.matchFormError(r, id, err)
	}
	http.Redirect(w, r, "/admin/matches/"+strconv.FormatInt(id, 10)+"/edit?notice=saved", http.StatusSeeOther)
	return nil
}

// matchFormError shows the form again with what was typed and err.
func (s *server) matchFormError(r *http.Request, id int64, err error) error {
	v, verr := s.matchForm(r, id, r.PostForm)
	if verr != nil {
		return verr
	}
	v.Layout.Error = match.ErrorMessage(err)
	return onPage(err, templates.MatchForm(v))
}

// submitScorer serves POST /admin/matches/{id}/scorers (admins; form:
// user_id, action=add|remove): who may score the match.
func (s *server) submitScorer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	uid, err := strconv.ParseInt(r.PostForm.Get("user_id"), 10, 64)
	if err != nil {
		return match.Errorf(match.EINVALID, "choose a user to assign")
	}
	if r.PostForm.Get("action") == "remove" {
		err = s.store.UnassignScorer(r.Context(), id, uid)
	} else {
		err = s.store.AssignScorer(r.Context(), id, uid)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/matches/"+strconv.FormatInt(id, 10)+"/edit?notice=saved#scorers", http.StatusSeeOther)
	return nil
}
