package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testMatches creates and lists matches, and checks that bad input is
// refused and nothing of it stored.
func testMatches(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)

	// Created out of kick-off order, so that the list has to sort.
	late := createMatch(t, ctx, s, input("football", 20))
	early := createMatch(t, ctx, s, input("basketball", 10))
	mid := createMatch(t, ctx, s, input("volleyball", 15))

	if early.ID == 0 || early.ID == late.ID || early.ID == mid.ID {
		t.Fatalf("ids: got %d, %d, %d, want distinct non-zero", late.ID, early.ID, mid.ID)
	}
	if early.Status != match.StatusScheduled || early.Seq != 0 {
		t.Errorf("new match: got status %q seq %d, want scheduled 0", early.Status, early.Seq)
	}
	in := input("basketball", 10)
	if early.Competition != in.Competition || early.Home != in.Home || early.Away != in.Away ||
		!early.KickOff.Equal(in.KickOff) || early.TimeZone != in.TimeZone || early.Venue != in.Venue {
		t.Errorf("CreateMatch: got %+v, want the fields of %+v", early, in)
	}
	if early.CreatedAt.IsZero() {
		t.Errorf("CreateMatch: got zero CreatedAt, want the time it was stored")
	}
	got, err := s.Match(ctx, early.ID)
	if err != nil {
		t.Fatalf("Match(%d): %v", early.ID, err)
	}
	if diff := cmp.Diff(early, got); diff != "" {
		t.Errorf("Match(%d) differs from what CreateMatch returned (-created +got):\n%s", early.ID, diff)
	}
	if evs, err := s.Events(ctx, early.ID, 0); err != nil || evs == nil || len(evs) != 0 {
		t.Errorf("Events of a new match: got %#v, %v; want an empty log, not nil", evs, err)
	}
	st, err := s.State(ctx, early.ID)
	if err != nil {
		t.Fatalf("State(%d): %v", early.ID, err)
	}
	if diff := cmp.Diff(match.Fold(early, nil), st, foldOpts); diff != "" {
		t.Errorf("State of a new match is not the fold of an empty log (-fold +got):\n%s", diff)
	}

	// mid goes live, so that filters have something to tell apart.
	appendOK(t, ctx, s, mid.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	mid, _ = s.Match(ctx, mid.ID)

	ids := func(ms []match.Match) []int64 {
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	tests := []struct {
		name   string
		filter match.MatchFilter
		want   []int64
	}{
		{"all by kick-off", match.MatchFilter{}, []int64{early.ID, mid.ID, late.ID}},
		{"limit", match.MatchFilter{Limit: 2}, []int64{early.ID, mid.ID}},
		{"status", match.MatchFilter{Status: []match.Status{match.StatusScheduled}}, []int64{early.ID, late.ID}},
		{"status live", match.MatchFilter{Status: []match.Status{mid.Status}}, []int64{mid.ID}},
		{"any of statuses", match.MatchFilter{Status: []match.Status{match.StatusFinished, match.StatusScheduled}}, []int64{early.ID, late.ID}},
		{"status and limit", match.MatchFilter{Status: []match.Status{match.StatusScheduled}, Limit: 1}, []int64{early.ID}},
		{"none", match.MatchFilter{Status: []match.Status{match.StatusCancelled}}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := s.Matches(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Matches(%+v): %v", tt.filter, err)
			}
			if diff := cmp.Diff(tt.want, ids(ms)); diff != "" {
				t.Errorf("Matches(%+v) ids (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
	if mid.Status == match.StatusScheduled {
		t.Errorf("after match_start: got status %q, want the match no longer scheduled", mid.Status)
	}
	ms, _ := s.Matches(ctx, match.MatchFilter{})
	if len(ms) == 3 && !cmp.Equal(ms[1], mid) {
		t.Errorf("Matches: got %+v, want the stored match %+v", ms[1], mid)
	}

	t.Run("bad filter", func(t *testing.T) {
		_, err := s.Matches(ctx, match.MatchFilter{Limit: -1})
		wantCode(t, "Matches(limit -1)", err, match.EINVALID)
		_, err = s.Matches(ctx, match.MatchFilter{Status: []match.Status{"halftime"}})
		wantCode(t, "Matches(status halftime)", err, match.EINVALID)
	})
	t.Run("bad input", func(t *testing.T) { testBadMatchInput(t, s) })
	t.Run("normalized input", func(t *testing.T) { testNormalizedMatchInput(t, s) })
}

// testNormalizedMatchInput checks that a store keeps what
// MatchInput.Normalize makes of the input (trimmed names, derived short
// names, default colours), as the domain defines it.
func testNormalizedMatchInput(t *testing.T, s Store) {
	ctx := testContext(t)
	in := input("handball", 30)
	in.Competition = "  " + in.Competition + "  "
	in.Home.ShortName, in.Home.Color = "", ""
	in.Away.ShortName, in.Away.Color = "", ""
	m := createMatch(t, ctx, s, in)
	want := in.Normalize()
	got, err := s.Match(ctx, m.ID)
	if err != nil {
		t.Fatalf("Match(%d): %v", m.ID, err)
	}
	if got.Competition != want.Competition || got.Home != want.Home || got.Away != want.Away {
		t.Errorf("stored match: got %q %+v %+v, want the normalized %q %+v %+v",
			got.Competition, got.Home, got.Away, want.Competition, want.Home, want.Away)
	}
}

func testBadMatchInput(t *testing.T, s Store) {
	ctx := testContext(t)
	before, err := s.Matches(ctx, match.MatchFilter{})
	if err != nil {
		t.Fatalf("Matches: %v", err)
	}
	tests := []struct {
		name string
		edit func(*match.MatchInput)
	}{
		{"unknown sport", func(in *match.MatchInput) { in.Sport = "quidditch" }},
		{"no sport", func(in *match.MatchInput) { in.Sport = "" }},
		{"no home name", func(in *match.MatchInput) { in.Home.Name = "" }},
		{"no away name", func(in *match.MatchInput) { in.Away.Name = "" }},
		{"bad colour", func(in *match.MatchInput) { in.Home.Color = "red-ish" }},
		{"unknown time zone", func(in *match.MatchInput) { in.TimeZone = "Mars/Olympus_Mons" }},
		{"no kick-off", func(in *match.MatchInput) { in.KickOff = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input("football", 12)
			tt.edit(&in)
			_, err := s.CreateMatch(ctx, in)
			wantCode(t, "CreateMatch("+tt.name+")", err, match.EINVALID)
		})
	}
	after, err := s.Matches(ctx, match.MatchFilter{})
	if err != nil {
		t.Fatalf("Matches: %v", err)
	}
	if len(after) != len(before) {
		t.Errorf("after refused inputs: got %d matches, want %d", len(after), len(before))
	}
}

// testNotFound asks for a match that does not exist.
func testNotFound(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	const missing = 987654
	_, err := s.Match(ctx, missing)
	wantCode(t, "Match(missing)", err, match.ENOTFOUND)
	_, err = s.State(ctx, missing)
	wantCode(t, "State(missing)", err, match.ENOTFOUND)
	_, err = s.Events(ctx, missing, 0)
	wantCode(t, "Events(missing)", err, match.ENOTFOUND)
	_, err = s.AppendEvent(ctx, missing, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "hello"}, IdempotencyKey: "k"})
	wantCode(t, "AppendEvent(missing)", err, match.ENOTFOUND)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: got %v, want nil", err)
	}
}
