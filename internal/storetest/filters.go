package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

func mustCompetition(t *testing.T, ctx context.Context, s Store, name, sport string) match.Competition {
	t.Helper()
	c, err := s.CreateCompetition(ctx, match.CompetitionInput{Name: name, Sport: sport, Season: "2030"})
	if err != nil {
		t.Fatalf("CreateCompetition(%s): %v", name, err)
	}
	return c
}

func mustTeam(t *testing.T, ctx context.Context, s Store, name string, competitions ...int64) match.TeamProfile {
	t.Helper()
	tm, err := s.CreateTeam(ctx, match.TeamInput{Team: match.Team{Name: name, CrestURL: "https://example.org/" + match.Slugify(name) + ".png"},
		CompetitionIDs: competitions})
	if err != nil {
		t.Fatalf("CreateTeam(%s): %v", name, err)
	}
	return tm
}

func mustUser(t *testing.T, ctx context.Context, s Store, email string, role match.Role) match.User {
	t.Helper()
	u, err := s.CreateUser(ctx, match.UserInput{Email: email, Role: role, Password: "a long enough password"})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func matchIDs(ms []match.Match) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// testMatchFilters lists matches by competition, team, scorer, kick-off
// and page.
func testMatchFilters(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	c1 := mustCompetition(t, ctx, s, "League One", "football")
	c2 := mustCompetition(t, ctx, s, "Cup", "football")
	a := mustTeam(t, ctx, s, "Athletic", c1.ID, c2.ID)
	b := mustTeam(t, ctx, s, "Borough", c1.ID, c2.ID)
	c := mustTeam(t, ctx, s, "City", c1.ID, c2.ID)
	m3 := linked(t, ctx, s, c2, c, a, 14) // created first: the list sorts
	m1 := linked(t, ctx, s, c1, a, b, 10)
	m2 := linked(t, ctx, s, c1, b, c, 12)
	inline := input("football", 16)
	inline.KickOff = time.Date(2030, 6, 1, 16, 0, 0, 0, time.UTC)
	m4 := createMatch(t, ctx, s, inline)
	u := mustUser(t, ctx, s, "scorer@example.org", match.RoleScorer)
	other := mustUser(t, ctx, s, "other@example.org", match.RoleScorer)
	for _, id := range []int64{m2.ID, m3.ID} {
		if err := s.AssignScorer(ctx, id, u.ID); err != nil {
			t.Fatalf("AssignScorer: %v", err)
		}
	}
	if err := s.AssignScorer(ctx, m4.ID, other.ID); err != nil {
		t.Fatalf("AssignScorer: %v", err)
	}
	if m1.CompetitionID != c1.ID || m1.HomeTeamID != a.ID || m1.AwayTeamID != b.ID || m1.Home.CrestURL != a.CrestURL || m1.Competition != c1.Name {
		t.Errorf("linked match: got %+v, want competition %d, teams %d and %d with their names and crests", m1, c1.ID, a.ID, b.ID)
	}
	if got, err := s.Match(ctx, m1.ID); err != nil || !cmp.Equal(got, m1) {
		t.Errorf("Match(linked): got %+v, %v, want %+v", got, err, m1)
	}
	at := func(hour int) time.Time { return time.Date(2030, 6, 1, hour, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		filter match.MatchFilter
		want   []int64
	}{
		{"all", match.MatchFilter{}, []int64{m1.ID, m2.ID, m3.ID, m4.ID}},
		{"competition", match.MatchFilter{CompetitionID: c1.ID}, []int64{m1.ID, m2.ID}},
		{"team at home or away", match.MatchFilter{TeamID: a.ID}, []int64{m1.ID, m3.ID}},
		{"another team", match.MatchFilter{TeamID: c.ID}, []int64{m2.ID, m3.ID}},
		{"competition and team", match.MatchFilter{CompetitionID: c1.ID, TeamID: c.ID}, []int64{m2.ID}},
		{"scorer", match.MatchFilter{ScorerID: u.ID}, []int64{m2.ID, m3.ID}},
		{"scorer and team", match.MatchFilter{ScorerID: u.ID, TeamID: b.ID}, []int64{m2.ID}},
		{"from, inclusive", match.MatchFilter{From: at(12)}, []int64{m2.ID, m3.ID, m4.ID}},
		{"before, exclusive", match.MatchFilter{Before: at(14)}, []int64{m1.ID, m2.ID}},
		{"a day in a time zone", match.MatchFilter{From: at(12).In(time.FixedZone("CEST", 2*3600)), Before: at(16)}, []int64{m2.ID, m3.ID}},
		{"limit and offset", match.MatchFilter{Limit: 2, Offset: 1}, []int64{m2.ID, m3.ID}},
		{"offset alone", match.MatchFilter{Offset: 3}, []int64{m4.ID}},
		{"offset past the end", match.MatchFilter{Offset: 10}, []int64{}},
		{"status and competition", match.MatchFilter{Status: []match.Status{match.StatusScheduled}, CompetitionID: c2.ID}, []int64{m3.ID}},
		{"unknown competition", match.MatchFilter{CompetitionID: 987654}, []int64{}},
		{"unknown scorer", match.MatchFilter{ScorerID: 987654}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := s.Matches(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Matches(%+v): %v", tt.filter, err)
			}
			if diff := cmp.Diff(tt.want, matchIDs(ms)); diff != "" {
				t.Errorf("Matches(%+v) ids (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
	_, err := s.Matches(ctx, match.MatchFilter{Offset: -1})
	wantCode(t, "Matches(offset -1)", err, match.EINVALID)
}

// testMatchLinks creates matches whose ids name nothing: ENOTFOUND naming
// the id, checked in the transaction, and nothing stored.
func testMatchLinks(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	c := mustCompetition(t, ctx, s, "League", "football")
	home := mustTeam(t, ctx, s, "Home Side", c.ID)
	away := mustTeam(t, ctx, s, "Away Side", c.ID)
	tests := []struct {
		name string
		edit func(*match.MatchInput)
		msg  string
	}{
		{"competition", func(in *match.MatchInput) { in.CompetitionID = 987654 }, "competition 987654 does not exist"},
		{"home team", func(in *match.MatchInput) { in.HomeTeamID = 987653 }, "home team 987653 does not exist"},
		{"away team", func(in *match.MatchInput) { in.AwayTeamID = 987652 }, "away team 987652 does not exist"},
		{"away team, the rest linked", func(in *match.MatchInput) {
			in.CompetitionID, in.HomeTeamID, in.AwayTeamID = c.ID, home.ID, 987651
		}, "away team 987651 does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input("football", 12)
			tt.edit(&in)
			_, err := s.CreateMatch(ctx, in)
			wantMessage(t, "CreateMatch(unknown "+tt.name+")", err, match.ENOTFOUND, tt.msg)
		})
	}
	if ms, err := s.Matches(ctx, match.MatchFilter{}); err != nil || len(ms) != 0 || len(pub.list()) != 0 {
		t.Errorf("after refused matches: got %d matches (%v) and %d updates, want none", len(ms), err, len(pub.list()))
	}
	m := linked(t, ctx, s, c, home, away, 15)
	if m.CompetitionID != c.ID || m.HomeTeamID != home.ID || m.AwayTeamID != away.ID {
		t.Errorf("linked match: got ids %d, %d, %d, want %d, %d, %d", m.CompetitionID, m.HomeTeamID, m.AwayTeamID, c.ID, home.ID, away.ID)
	}
	// Renaming a team later leaves the match's copy as it was.
	renamed := home
	renamed.Name = "Renamed Side"
	if _, err := s.UpdateTeam(ctx, renamed); err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	if got, err := s.Match(ctx, m.ID); err != nil || got.Home.Name != "Home Side" {
		t.Errorf("match after renaming its team: got home %q (%v), want the name it was made with", got.Home.Name, err)
	}
}

// testSummaries reads the compact states of several matches at once: each
// equals the summary of the match's full state, a missing id is left out,
// and no id reads nothing.
func testSummaries(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	a := createMatch(t, ctx, s, input("football", 14))
	b := createMatch(t, ctx, s, input("basketball", 16))
	appendOK(t, ctx, s, a.ID, match.NewEvent{Kind: match.KindMatchStart})
	appendOK(t, ctx, s, a.ID, match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Away, ScoreKind: "goal"}})
	got, err := s.Summaries(ctx, []int64{a.ID, b.ID, 987654})
	if err != nil {
		t.Fatalf("Summaries: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("Summaries(%d, %d, 987654): got %d summaries, want 2 (the missing id left out)", a.ID, b.ID, len(got))
	}
	for _, id := range []int64{a.ID, b.ID} {
		st, err := s.State(ctx, id)
		if err != nil {
			t.Fatalf("State(%d): %v", id, err)
		}
		if diff := cmp.Diff(st.Summary, got[id], stateOpts); diff != "" {
			t.Errorf("Summaries: match %d differs from its state's summary (-state +summary):\n%s", id, diff)
		}
	}
	if got[a.ID].Away.Score != 1 || got[a.ID].Seq != 2 {
		t.Errorf("summary of match %d: got away %d at seq %d, want 1 at seq 2", a.ID, got[a.ID].Away.Score, got[a.ID].Seq)
	}
	if none, err := s.Summaries(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("Summaries(none): got %v, %v, want an empty map", none, err)
	}
}
