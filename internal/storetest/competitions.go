package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testCompetitions creates, finds, lists, updates and archives
// competitions; a slug is unique.
func testCompetitions(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	in := match.CompetitionInput{Name: "  Coupe de France ", Sport: "Football", Season: "2026–27"}
	c, err := s.CreateCompetition(ctx, in)
	if err != nil {
		t.Fatalf("CreateCompetition: %v", err)
	}
	if c.ID == 0 || c.Slug != "coupe-de-france-2026-27" || c.Name != "Coupe de France" || c.Sport != "football" || c.Archived || c.CreatedAt.IsZero() {
		t.Errorf("CreateCompetition: got %+v, want an id, the derived slug, the normalized fields and a creation time", c)
	}
	for name, get := range map[string]func() (match.Competition, error){
		"Competition":       func() (match.Competition, error) { return s.Competition(ctx, c.ID) },
		"CompetitionBySlug": func() (match.Competition, error) { return s.CompetitionBySlug(ctx, c.Slug) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("%s (-created +got):\n%s", name, diff)
		}
	}
	_, err = s.CreateCompetition(ctx, match.CompetitionInput{Name: "Other", Sport: "football", Slug: c.Slug})
	wantMessage(t, "CreateCompetition(taken slug)", err, match.ECONFLICT, `slug "coupe-de-france-2026-27" is taken by another competition; choose another slug`)
	_, err = s.CreateCompetition(ctx, match.CompetitionInput{Name: "No sport"})
	wantCode(t, "CreateCompetition(no sport)", err, match.EINVALID)
	_, err = s.Competition(ctx, 987654)
	wantMessage(t, "Competition(unknown)", err, match.ENOTFOUND, "competition 987654 does not exist")
	_, err = s.CompetitionBySlug(ctx, "no-such-cup")
	wantMessage(t, "CompetitionBySlug(unknown)", err, match.ENOTFOUND, `no competition has slug "no-such-cup"`)

	// Names sort by code point in both stores: upper case first, then
	// lower case, then accented letters.
	b := mustCompetition(t, ctx, s, "Bundesliga", "football")
	z := mustCompetition(t, ctx, s, "Élite League", "ice_hockey")
	a := mustCompetition(t, ctx, s, "amateur cup", "football")
	list := func(archived bool) []int64 {
		t.Helper()
		cs, err := s.Competitions(ctx, archived)
		if err != nil {
			t.Fatalf("Competitions(%v): %v", archived, err)
		}
		ids := []int64{}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]int64{b.ID, c.ID, a.ID, z.ID}, list(false)); diff != "" {
		t.Errorf("Competitions by name (-want +got):\n%s", diff)
	}

	upd, err := c.Apply(match.CompetitionPatch{Name: ptr("Coupe de France féminine"), Slug: ptr("coupe-feminine"), Archived: ptr(true)})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got, err := s.UpdateCompetition(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateCompetition: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("UpdateCompetition (-given +stored):\n%s", diff)
	}
	if got, err := s.CompetitionBySlug(ctx, "coupe-feminine"); err != nil || got.ID != c.ID {
		t.Errorf("CompetitionBySlug(new slug): got %+v, %v, want competition %d", got, err, c.ID)
	}
	if _, err := s.CompetitionBySlug(ctx, c.Slug); match.ErrorCode(err) != match.ENOTFOUND {
		t.Errorf("CompetitionBySlug(old slug): got %v, want ENOTFOUND", err)
	}
	if diff := cmp.Diff([]int64{b.ID, a.ID, z.ID}, list(false)); diff != "" {
		t.Errorf("Competitions without the archived (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{b.ID, c.ID, a.ID, z.ID}, list(true)); diff != "" {
		t.Errorf("Competitions with the archived (-want +got):\n%s", diff)
	}
	taken := b
	taken.Slug = "coupe-feminine"
	_, err = s.UpdateCompetition(ctx, taken)
	wantMessage(t, "UpdateCompetition(taken slug)", err, match.ECONFLICT, `slug "coupe-feminine" is taken by another competition; choose another slug`)
	missing := b
	missing.ID = 987654
	_, err = s.UpdateCompetition(ctx, missing)
	wantMessage(t, "UpdateCompetition(unknown)", err, match.ENOTFOUND, "competition 987654 does not exist")
	broken := b
	broken.Slug = "Not A Slug!"
	_, err = s.UpdateCompetition(ctx, broken)
	wantCode(t, "UpdateCompetition(bad slug)", err, match.EINVALID)
	if got, _ := s.Competition(ctx, b.ID); !cmp.Equal(got, b) {
		t.Errorf("after refused updates: got %+v, want %+v unchanged", got, b)
	}
}

// testTeams creates, lists and updates teams and the competitions they
// play in.
func testTeams(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	c1 := mustCompetition(t, ctx, s, "League", "football")
	c2 := mustCompetition(t, ctx, s, "Cup", "football")
	tm, err := s.CreateTeam(ctx, match.TeamInput{Team: match.Team{Name: " Paris Saint Germain ", CrestURL: "https://example.org/psg.svg"},
		CompetitionIDs: []int64{c2.ID, c1.ID, c2.ID}})
	if err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	want := []int64{min(c1.ID, c2.ID), max(c1.ID, c2.ID)}
	if tm.ID == 0 || tm.Name != "Paris Saint Germain" || tm.ShortName != "PSG" || tm.Color != match.DefaultHomeColor ||
		tm.CrestURL != "https://example.org/psg.svg" || !cmp.Equal(tm.CompetitionIDs, want) || tm.Archived || tm.CreatedAt.IsZero() {
		t.Errorf("CreateTeam: got %+v, want the normalized team in competitions %v", tm, want)
	}
	if got, err := s.Team(ctx, tm.ID); err != nil || !cmp.Equal(got, tm) {
		t.Errorf("Team: got %+v, %v, want %+v", got, err, tm)
	}
	_, err = s.CreateTeam(ctx, match.TeamInput{Team: match.Team{Name: "Nowhere FC"}, CompetitionIDs: []int64{c1.ID, 987654}})
	wantMessage(t, "CreateTeam(unknown competition)", err, match.ENOTFOUND, "competition 987654 does not exist")
	_, err = s.CreateTeam(ctx, match.TeamInput{Team: match.Team{Name: "Bad Colour", Color: "red"}})
	wantCode(t, "CreateTeam(bad colour)", err, match.EINVALID)
	_, err = s.Team(ctx, 987654)
	wantMessage(t, "Team(unknown)", err, match.ENOTFOUND, "team 987654 does not exist")

	lyon := mustTeam(t, ctx, s, "Lyon", c1.ID)
	alone := mustTeam(t, ctx, s, "Amiens")
	teams := func(f match.TeamFilter) []int64 {
		t.Helper()
		ts, err := s.Teams(ctx, f)
		if err != nil {
			t.Fatalf("Teams(%+v): %v", f, err)
		}
		ids := []int64{}
		for _, x := range ts {
			ids = append(ids, x.ID)
			if x.CompetitionIDs == nil {
				t.Errorf("Teams: team %d has nil competitions, want a list", x.ID)
			}
		}
		return ids
	}
	if diff := cmp.Diff([]int64{alone.ID, lyon.ID, tm.ID}, teams(match.TeamFilter{})); diff != "" {
		t.Errorf("Teams by name (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{lyon.ID, tm.ID}, teams(match.TeamFilter{CompetitionID: c1.ID})); diff != "" {
		t.Errorf("Teams of a competition (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{tm.ID}, teams(match.TeamFilter{CompetitionID: c2.ID})); diff != "" {
		t.Errorf("Teams of another competition (-want +got):\n%s", diff)
	}

	upd, err := tm.Apply(match.TeamPatch{Name: ptr("PSG Féminines"), ShortName: ptr("psgf"), CompetitionIDs: &[]int64{c2.ID}, Archived: ptr(true)})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got, err := s.UpdateTeam(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" || got.ShortName != "PSGF" {
		t.Errorf("UpdateTeam (-given +stored):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{lyon.ID}, teams(match.TeamFilter{CompetitionID: c1.ID})); diff != "" {
		t.Errorf("Teams of a competition the team left (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{}, teams(match.TeamFilter{CompetitionID: c2.ID})); diff != "" {
		t.Errorf("Teams of a competition whose only team is archived (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{tm.ID}, teams(match.TeamFilter{CompetitionID: c2.ID, IncludeArchived: true})); diff != "" {
		t.Errorf("Teams with the archived (-want +got):\n%s", diff)
	}
	bad := got
	bad.CompetitionIDs = []int64{c1.ID, 987654}
	_, err = s.UpdateTeam(ctx, bad)
	wantMessage(t, "UpdateTeam(unknown competition)", err, match.ENOTFOUND, "competition 987654 does not exist")
	bad = got
	bad.ID = 987653
	_, err = s.UpdateTeam(ctx, bad)
	wantMessage(t, "UpdateTeam(unknown team)", err, match.ENOTFOUND, "team 987653 does not exist")
	if after, _ := s.Team(ctx, tm.ID); !cmp.Equal(after, got) {
		t.Errorf("after refused updates: got %+v, want %+v unchanged", after, got)
	}
}
