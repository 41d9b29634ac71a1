package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// competitionsPage serves GET /admin/competitions (admins): every
// competition (archived ones too with ?archived=1) and the form to add one.
func (s *server) competitionsPage(w http.ResponseWriter, r *http.Request) error {
	v := templates.CompetitionsView{Layout: s.layout(r, "Competitions"), Sports: sportOptions(),
		ShowArchived: r.URL.Query().Get("archived") == "1"}
	return s.renderCompetitions(w, r, v, nil)
}

// renderCompetitions shows the competitions page with v's form, and err
// in it when there is one.
func (s *server) renderCompetitions(w http.ResponseWriter, r *http.Request, v templates.CompetitionsView, err error) error {
	cs, lerr := s.store.Competitions(r.Context(), v.ShowArchived)
	if lerr != nil {
		return lerr
	}
	for _, c := range cs {
		v.Rows = append(v.Rows, templates.CompetitionRow{ID: c.ID, Name: c.Name, Season: c.Season,
			Sport: sportName(c.Sport), Slug: c.Slug, Archived: c.Archived})
	}
	if err != nil {
		v.Layout.Error = match.ErrorMessage(err)
		return onPage(err, templates.Competitions(v))
	}
	return render(w, r, templates.Competitions(v))
}

// submitCompetition serves POST /admin/competitions (admins; form: name,
// sport, season, slug): it creates the competition and opens its page.
func (s *server) submitCompetition(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := match.CompetitionInput{Name: f.Get("name"), Sport: f.Get("sport"), Season: f.Get("season"), Slug: f.Get("slug")}
	c, err := s.store.CreateCompetition(r.Context(), in)
	if err != nil {
		v := templates.CompetitionsView{Layout: s.layout(r, "Competitions"), Sports: sportOptions(), Form: in}
		return s.renderCompetitions(w, r, v, err)
	}
	http.Redirect(w, r, "/admin/competitions/"+strconv.FormatInt(c.ID, 10)+"?notice=created", http.StatusSeeOther)
	return nil
}

// competitionPage serves GET /admin/competitions/{id} (admins): the
// competition's form, its teams, its matches and the fixture import.
func (s *server) competitionPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.competitionView(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("notice") {
	case "created":
		v.Layout.Notice = "Competition created. Add its teams, then its matches."
	case "saved":
		v.Layout.Notice = "Saved."
	case "imported":
		v.Layout.Notice = r.URL.Query().Get("n") + " matches imported."
	}
	return render(w, r, templates.AdminCompetitionPage(v))
}

// competitionView is the competition page of the {id} of r's path.
func (s *server) competitionView(r *http.Request) (templates.CompetitionView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return templates.CompetitionView{}, err
	}
	c, err := s.store.Competition(r.Context(), id)
	if err != nil {
		return templates.CompetitionView{}, err
	}
	v := templates.CompetitionView{Layout: s.layout(r, c.Name), ID: c.ID, Slug: c.Slug, Sport: sportName(c.Sport),
		Archived: c.Archived, Form: match.CompetitionInput{Name: c.Name, Season: c.Season, Slug: c.Slug}}
	teams, err := s.store.Teams(r.Context(), match.TeamFilter{CompetitionID: id, IncludeArchived: true})
	if err != nil {
		return v, err
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, templates.TeamRow{ID: t.ID, Name: t.Name, ShortName: t.ShortName, Color: t.Color, Archived: t.Archived})
	}
	if v.Matches, err = s.todayRows(r.Context(), match.MatchFilter{CompetitionID: id, Limit: 200}, false); err != nil {
		return v, err
	}
	return v, nil
}

// competitionError is err shown on the competition page with what was
// typed (set).
func (s *server) competitionError(r *http.Request, err error, set func(*templates.CompetitionView)) error {
	v, verr := s.competitionView(r)
	if verr != nil {
		return verr
	}
	set(&v)
	v.Layout.Error = match.ErrorMessage(err)
	return onPage(err, templates.AdminCompetitionPage(v))
}

// submitCompetitionEdit serves POST /admin/competitions/{id} (admins;
// form: name, season, slug, or archived=true|false alone).
func (s *server) submitCompetitionEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	var p match.CompetitionPatch
	if a := f.Get("archived"); a != "" {
		archived := a == "true"
		p.Archived = &archived
	} else {
		name, season, slug := f.Get("name"), f.Get("season"), f.Get("slug")
		p.Name, p.Season, p.Slug = &name, &season, &slug
	}
	c, err := s.store.Competition(r.Context(), id)
	if err != nil {
		return err
	}
	if c, err = c.Apply(p); err == nil {
		_, err = s.store.UpdateCompetition(r.Context(), c)
	}
	if err != nil {
		return s.competitionError(r, err, func(v *templates.CompetitionView) {
			v.Form = match.CompetitionInput{Name: f.Get("name"), Season: f.Get("season"), Slug: f.Get("slug")}
		})
	}
	http.Redirect(w, r, "/admin/competitions/"+strconv.FormatInt(id, 10)+"?notice=saved", http.StatusSeeOther)
	return nil
}

// submitTeam serves POST /admin/competitions/{id}/teams (admins; form:
// name, short_name, color): a new team of the competition.
func (s *server) submitTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := match.TeamInput{Team: match.Team{Name: f.Get("name"), ShortName: f.Get("short_name"), Color: f.Get("color")},
		CompetitionIDs: []int64{id}}
	if _, err := s.store.CreateTeam(r.Context(), in); err != nil {
		return s.competitionError(r, err, func(v *templates.CompetitionView) { v.TeamForm = in.Team })
	}
	http.Redirect(w, r, "/admin/competitions/"+strconv.FormatInt(id, 10)+"?notice=saved#teams", http.StatusSeeOther)
	return nil
}

// submitTeamEdit serves POST /admin/competitions/{id}/teams/{teamID}
// (admins; form: name, short_name, color, or archived=true|false alone).
func (s *server) submitTeamEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	teamID, err := pathID(r, "teamID")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	var p match.TeamPatch
	if a := f.Get("archived"); a != "" {
		archived := a == "true"
		p.Archived = &archived
	} else {
		name, short, color := f.Get("name"), f.Get("short_name"), f.Get("color")
		p.Name, p.ShortName, p.Color = &name, &short, &color
	}
	t, err := s.store.Team(r.Context(), teamID)
	if err != nil {
		return err
	}
	if t, err = t.Apply(p); err == nil {
		_, err = s.store.UpdateTeam(r.Context(), t)
	}
	if err != nil {
		return s.competitionError(r, err, func(*templates.CompetitionView) {})
	}
	http.Redirect(w, r, "/admin/competitions/"+strconv.FormatInt(id, 10)+"?notice=saved#teams", http.StatusSeeOther)
	return nil
}

// submitFixtures serves POST /admin/competitions/{id}/fixtures (admins;
// form: csv, and action=preview or import): the CSV import of POST
// /api/v1/competitions/{id}/fixtures, read by the same parseFixtures.
// Preview shows what would be created (its dry_run), import creates them
// all or none; every bad row is named.
func (s *server) submitFixtures(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCSVBody)
	if err := r.ParseForm(); err != nil {
		return match.Errorf(match.ETOOLARGE, "the form is larger than %d bytes; import the CSV in parts", maxCSVBody)
	}
	raw := r.PostForm.Get("csv")
	keep := func(v *templates.CompetitionView) { v.CSV = raw }
	c, err := s.store.Competition(r.Context(), id)
	if err != nil {
		return err
	}
	teams, err := s.store.Teams(r.Context(), match.TeamFilter{CompetitionID: c.ID})
	if err != nil {
		return err
	}
	ins, err := parseFixtures(strings.NewReader(raw), c, teams)
	if err != nil {
		return s.competitionError(r, err, func(v *templates.CompetitionView) {
			keep(v)
			v.Problems = problemLines(err)
		})
	}
	if r.PostForm.Get("action") != "import" {
		v, err := s.competitionView(r)
		if err != nil {
			return err
		}
		keep(&v)
		for _, in := range ins {
			m, err := match.NewMatch(in, time.Now().UTC())
			if err != nil {
				return s.competitionError(r, err, keep)
			}
			v.Preview = append(v.Preview, templates.MatchRow{Home: m.Home.Name, Away: m.Away.Name, KickOff: kickOff(m), Venue: m.Venue})
		}
		v.Layout.Notice = fmt.Sprintf("Preview: %d matches would be created. Nothing is stored until you import.", len(ins))
		return render(w, r, templates.AdminCompetitionPage(v))
	}
	ms, err := s.store.CreateMatches(r.Context(), ins)
	if err != nil {
		return s.competitionError(r, err, keep)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/competitions/%d?notice=imported&n=%d", id, len(ms)), http.StatusSeeOther)
	return nil
}

// problemLines are the problems of a fixture import, one a line.
func problemLines(err error) []string {
	var out []string
	var pe *problemsError
	if errors.As(err, &pe) {
		for _, p := range pe.problems {
			out = append(out, p.String())
		}
	}
	return out
}

// sportOptions are the sports a form offers.
func sportOptions() []templates.Option {
	var out []templates.Option
	for _, sp := range match.Sports() {
		out = append(out, templates.Option{Value: sp.Key, Label: sp.Name})
	}
	return out
}
