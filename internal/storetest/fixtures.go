package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testCreateMatches imports fixtures at once: all of them, or none when
// one is bad, with the bad one named by its 1-based index.
func testCreateMatches(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	ins := []match.MatchInput{input("football", 10), input("football", 12), input("basketball", 14)}
	ms, err := s.CreateMatches(ctx, ins)
	if err != nil {
		t.Fatalf("CreateMatches: %v", err)
	}
	if len(ms) != len(ins) {
		t.Fatalf("CreateMatches: got %d matches, want %d", len(ms), len(ins))
	}
	seen := map[int64]bool{}
	for i, m := range ms {
		if m.ID == 0 || seen[m.ID] || m.Sport != ins[i].Sport || !m.KickOff.Equal(ins[i].KickOff) || m.Status != match.StatusScheduled {
			t.Errorf("CreateMatches[%d]: got %+v, want a new scheduled match with the fields of %+v", i, m, ins[i])
		}
		seen[m.ID] = true
		got, err := s.Match(ctx, m.ID)
		if err != nil || !cmp.Equal(got, m) {
			t.Errorf("Match(%d): got %+v, %v, want what CreateMatches returned, %+v", m.ID, got, err, m)
		}
	}
	if n := len(pub.list()); n != len(ins) {
		t.Errorf("published: got %d updates, want %d, one per match", n, len(ins))
	}
	if got, err := s.CreateMatches(ctx, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("CreateMatches(none): got %#v, %v, want an empty list", got, err)
	}

	before, _ := s.Matches(ctx, match.MatchFilter{})
	last, _ := s.LastUpdate(ctx)
	published := len(pub.list())
	bad := input("football", 16)
	bad.Home.Name = ""
	_, err = s.CreateMatches(ctx, []match.MatchInput{input("football", 15), bad, input("football", 17)})
	wantCode(t, "CreateMatches(a bad second fixture)", err, match.EINVALID)
	if msg := match.ErrorMessage(err); msg != "fixture 2: home team name is required" {
		t.Errorf("CreateMatches(a bad second fixture): got message %q, want %q", msg, "fixture 2: home team name is required")
	}
	// The third fixture names a team that does not exist: the first two
	// were stored in the transaction and must go with it.
	unknown := input("football", 18)
	unknown.HomeTeamID = 987654
	_, err = s.CreateMatches(ctx, []match.MatchInput{input("football", 15), input("football", 16), unknown})
	wantMessage(t, "CreateMatches(an unknown team in the third fixture)", err, match.ENOTFOUND, "fixture 3: home team 987654 does not exist")

	after, _ := s.Matches(ctx, match.MatchFilter{})
	afterLast, _ := s.LastUpdate(ctx)
	if len(after) != len(before) || afterLast.ID != last.ID || len(pub.list()) != published {
		t.Errorf("after refused imports: got %d matches, last update %q, %d published, want %d, %q, %d: nothing stored",
			len(after), afterLast.ID, len(pub.list()), len(before), last.ID, published)
	}
}

// testEditMatch changes a match's fields: the state its log folds to with
// them is stored and published, and the log is kept.
func testEditMatch(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "1"})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: 1}, IdempotencyKey: "2"})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: "goal"}, IdempotencyKey: "3"})
	before := takeSnapshot(t, ctx, s, m.ID)

	in := before.Match.Input().Apply(match.MatchPatch{
		Home:    &match.Team{Name: "  Renamed Rovers ", Color: "#123456", CrestURL: "https://example.org/rovers.svg"},
		Venue:   ptr("New Stadium"),
		KickOff: ptr(time.Date(2030, 6, 2, 18, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))),
	})
	edited, st, err := s.EditMatch(ctx, m.ID, in)
	if err != nil {
		t.Fatalf("EditMatch: %v", err)
	}
	want := in.Normalize()
	if edited.Home != want.Home || edited.Venue != "New Stadium" || !edited.KickOff.Equal(want.KickOff.Truncate(time.Microsecond)) ||
		edited.Seq != 3 || edited.Status != before.Match.Status || !edited.CreatedAt.Equal(before.Match.CreatedAt) {
		t.Errorf("EditMatch: got %+v, want the new fields, seq 3 and status %q kept", edited, before.Match.Status)
	}
	if st.Home.Name != "Renamed Rovers" || st.Home.CrestURL != "https://example.org/rovers.svg" || st.Home.Score != 1 || st.Seq != 3 {
		t.Errorf("EditMatch state: got home %+v seq %d, want the new name and crest, the goal kept, seq 3", st.Home, st.Seq)
	}
	sn := takeSnapshot(t, ctx, s, m.ID)
	if diff := cmp.Diff(edited, sn.Match); diff != "" {
		t.Errorf("Match after EditMatch (-returned +stored):\n%s", diff)
	}
	if diff := cmp.Diff(st, sn.State, stateOpts); diff != "" {
		t.Errorf("State after EditMatch (-returned +stored):\n%s", diff)
	}
	if diff := cmp.Diff(before.Events, sn.Events, eventOpts); diff != "" {
		t.Errorf("EditMatch changed the log (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(match.Fold(sn.Match, sn.Events), sn.State, foldOpts); diff != "" {
		t.Errorf("stored state is not the fold of the edited match (-fold +stored):\n%s", diff)
	}
	us := pub.list()
	var u match.Update
	if err := json.Unmarshal([]byte(us[len(us)-1].Data), &u); err != nil || us[len(us)-1].ID != st.UpdateID {
		t.Fatalf("published after EditMatch: got %s (%v), want the update %s", us[len(us)-1].Data, err, st.UpdateID)
	}
	if u.Home.Name != "Renamed Rovers" || len(u.Events) != 0 {
		t.Errorf("published after EditMatch: got home %q and %d events, want the new name and no event", u.Home.Name, len(u.Events))
	}
	// A retry after the edit still finds its event.
	ev, _ := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: "goal"}, IdempotencyKey: "3"})
	if ev.Seq != 3 {
		t.Errorf("retry after EditMatch: got seq %d, want the original 3", ev.Seq)
	}
	testBadEdits(t, s, m.ID, sn.Match)
}

func testBadEdits(t *testing.T, s Store, id int64, m match.Match) {
	ctx := testContext(t)
	before := takeSnapshot(t, ctx, s, id)
	tests := []struct {
		name string
		id   int64
		in   match.MatchInput
		code string
		msg  string
	}{
		{"no home name", id, m.Input().Apply(match.MatchPatch{Home: &match.Team{}}), match.EINVALID, "home team name is required"},
		{"another sport with events", id, m.Input().Apply(match.MatchPatch{Sport: ptr("handball")}), match.EINVALID, "cannot change"},
		{"an unknown team", id, m.Input().Apply(match.MatchPatch{AwayTeamID: ptr(int64(987654))}), match.ENOTFOUND, "away team 987654 does not exist"},
		{"an unknown competition", id, m.Input().Apply(match.MatchPatch{CompetitionID: ptr(int64(987653))}), match.ENOTFOUND, "competition 987653 does not exist"},
		{"an unknown match", 987652, m.Input(), match.ENOTFOUND, "match 987652 does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.EditMatch(ctx, tt.id, tt.in)
			wantCode(t, "EditMatch("+tt.name+")", err, tt.code)
			if msg := match.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("EditMatch(%s): got message %q, want it to contain %q", tt.name, msg, tt.msg)
			}
		})
	}
	if diff := cmp.Diff(before, takeSnapshot(t, ctx, s, id), stateOpts); diff != "" {
		t.Errorf("refused edits changed the store (-before +after):\n%s", diff)
	}
	// Without events, the sport may change.
	fresh := createMatch(t, ctx, s, input("football", 20))
	edited, st, err := s.EditMatch(ctx, fresh.ID, fresh.Input().Apply(match.MatchPatch{Sport: ptr("basketball")}))
	if err != nil || edited.Sport != "basketball" || st.Sport != "basketball" {
		t.Errorf("EditMatch(the sport of a match without events): got %q, state %q, %v, want basketball", edited.Sport, st.Sport, err)
	}
}

// linked creates a match of competition c between home and away, resolved
// as the API resolves ids.
func linked(t *testing.T, ctx context.Context, s Store, c match.Competition, home, away match.TeamProfile, hour int) match.Match {
	t.Helper()
	in := match.MatchInput{CompetitionID: c.ID, HomeTeamID: home.ID, AwayTeamID: away.ID,
		KickOff: time.Date(2030, 6, 1, hour, 0, 0, 0, time.UTC), TimeZone: "Europe/Paris"}
	in, err := in.Resolve(match.Match{}, &c, &home, &away)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return createMatch(t, ctx, s, in)
}
