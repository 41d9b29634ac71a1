package storetest

import (
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

// OldMatch is the match a store's migration test writes with the first
// schema's SQL, as a database made before competitions and teams were
// stored holds it; its state is OldState.
func OldMatch() match.Match {
	in := input("football", 12).Normalize()
	m, err := match.NewMatch(in, in.KickOff)
	if err != nil {
		panic(err)
	}
	return m
}

// OldState is the state stored with OldMatch, as the first schema's stores
// encoded it: without an update id.
func OldState(id int64) []byte {
	m := OldMatch()
	m.ID = id
	b, err := match.EncodeState(match.Fold(m, nil))
	if err != nil {
		panic(err)
	}
	return b
}

// CheckMigratedMatch checks that match id, written as OldMatch by the
// first schema and migrated since, still reads and takes events and edits,
// without a competition or teams of its own.
func CheckMigratedMatch(t *testing.T, s Store, id int64) {
	t.Helper()
	ctx := testContext(t)
	m, err := s.Match(ctx, id)
	if err != nil {
		t.Fatalf("Match(migrated): %v", err)
	}
	want := OldMatch()
	if m.Competition != want.Competition || m.Home != want.Home || m.Away != want.Away ||
		m.CompetitionID != 0 || m.HomeTeamID != 0 || m.AwayTeamID != 0 {
		t.Errorf("Match(migrated): got %+v, want the names it had and no ids", m)
	}
	st, err := s.State(ctx, id)
	if err != nil || st.ID != id || st.UpdateID != "" {
		t.Errorf("State(migrated): got %+v, %v, want its state, with no update id yet", st, err)
	}
	if ms, err := s.Matches(ctx, match.MatchFilter{TeamID: 1}); err != nil || len(ms) != 0 {
		t.Errorf("Matches(a team) with only a migrated match: got %d, %v, want none", len(ms), err)
	}
	_, st = appendOK(t, ctx, s, id, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	if st.UpdateID == "" {
		t.Errorf("AppendEvent(migrated): got no update id, want the update's")
	}
	in := m.Input()
	in.Venue = "After the migration"
	if _, st, err := s.EditMatch(ctx, id, in); err != nil || st.Seq != 1 {
		t.Errorf("EditMatch(migrated): got seq %d, %v, want 1", st.Seq, err)
	}
}
