package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// maxUpdateSize is what a match update must stay under, whatever the
// length of the match (DESIGN.md: every fan receives each one).
const maxUpdateSize = 1024

// footballEvent is the i-th event (from 1) of a long football match: the
// start, the first half, then goals, cards, substitutions and notes in
// turn, with names as long as real ones.
func footballEvent(i int) match.NewEvent {
	in := match.NewEvent{IdempotencyKey: fmt.Sprintf("event-%d", i), RecordedBy: "scorer.with.a.long.address@example.org"}
	switch {
	case i == 1:
		in.Kind = match.KindMatchStart
	case i == 2:
		in.Kind, in.Period = match.KindPeriodStart, 1
	default:
		side := []match.Side{match.Home, match.Away}[i%2]
		switch i % 5 {
		case 0:
			in.Kind, in.Team, in.ScoreKind, in.Player, in.Assist = match.KindScore, side, "goal", "Jean-Philippe Delacroix-Moreau", "Mohammed Al-Rashidi"
		case 1:
			in.Kind, in.Team, in.Card, in.Player = match.KindCard, side, "yellow", "Aleksandr Wojciechowski"
		case 2:
			in.Kind, in.Team, in.Player, in.PlayerIn = match.KindSubstitution, side, "Jean-Philippe Delacroix-Moreau", "Bartholomew Fitzgerald-Jones"
		default:
			in.Kind, in.Text = match.KindNote, "A long note about what happened at the side of the pitch just now"
		}
	}
	return in
}

// footballMatch is a match between two teams with names and crests as
// real ones are. (The summary carries both teams' names and crest URLs:
// the longest the domain allows, 60 characters and 500 bytes each, would
// not fit in 1 KB whatever the events.)
func footballMatch() match.MatchInput {
	in := input("football", 15)
	in.Competition = "Championnat National des Clubs Amateurs de la Région Centre"
	in.Home = match.Team{Name: "Olympique de Saint-Étienne", ShortName: "OSE", Color: "#16a34a",
		CrestURL: "https://cdn.example.org/crests/saint-etienne.png"}
	in.Away = match.Team{Name: "Football Club de Villeneuve", ShortName: "FCV", Color: "#7c3aed",
		CrestURL: "https://cdn.example.org/crests/villeneuve.png"}
	return in
}

// testUpdateSize plays 200 events of a football match and checks that each
// update stays under 1 KB and carries the compact state and the event, but
// never the timeline.
func testUpdateSize(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, footballMatch())
	for i := 1; i <= 200; i++ {
		appendOK(t, ctx, s, m.ID, footballEvent(i))
	}
	us := pub.list()
	if len(us) != 201 {
		t.Fatalf("published: got %d updates, want 201 (the creation and 200 events)", len(us))
	}
	// The update grows with the score's digits and the cards' counts, not
	// with the number of events.
	if grown := len(us[200].Data) - len(us[3].Data); grown > 100 {
		t.Errorf("update after event 200 is %d bytes longer than after event 3, want at most 100:\n%s\n%s", grown, us[3].Data, us[200].Data)
	}
	for _, n := range []int{0, 1, 200} {
		u := us[n]
		if len(u.Data) >= maxUpdateSize {
			t.Errorf("update after event %d: got %d bytes, want under %d:\n%s", n, len(u.Data), maxUpdateSize, u.Data)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(u.Data), &fields); err != nil {
			t.Fatalf("update after event %d: %v\n%s", n, err, u.Data)
		}
		for _, f := range []string{"id", "status", "seq", "home", "away", "clock", "events"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("update after event %d: no %q field, want it:\n%s", n, f, u.Data)
			}
		}
		for _, side := range []string{"home", "away"} {
			var team map[string]json.RawMessage
			if err := json.Unmarshal(fields[side], &team); err != nil || team["score"] == nil {
				t.Errorf("update after event %d: got %s %s, want an object with a score", n, side, fields[side])
			}
		}
		for _, f := range []string{"timeline", "update_id"} {
			if _, ok := fields[f]; ok {
				t.Errorf("update after event %d: has a %q field, want none:\n%s", n, f, u.Data)
			}
		}
		var got match.Update
		if err := json.Unmarshal([]byte(u.Data), &got); err != nil {
			t.Fatalf("update after event %d: %v", n, err)
		}
		wantEvents := min(n, 1) // the creation publishes no event
		if got.ID != m.ID || got.Seq != int64(n) || len(got.Events) != wantEvents {
			t.Errorf("update after event %d: got id %d seq %d and %d events, want %d, %d and %d", n, got.ID, got.Seq, len(got.Events), m.ID, n, wantEvents)
		}
		if wantEvents == 1 && (got.Events[0].Seq != int64(n) || got.Events[0].RecordedBy != "") {
			t.Errorf("update after event %d: got event %+v, want event %d without who recorded it", n, got.Events[0], n)
		}
	}
	st, err := s.State(ctx, m.ID)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	var last match.Update
	json.Unmarshal([]byte(us[200].Data), &last)
	if last.Home.Score != st.Home.Score || last.Away.Score != st.Away.Score || st.Home.Score == 0 {
		t.Errorf("last update: got score %d-%d, want the state's %d-%d (not 0)", last.Home.Score, last.Away.Score, st.Home.Score, st.Away.Score)
	}
}

// testUpdateID checks that the stored state carries the id of the update
// that published it, after each kind of write, so that a client that read
// it resumes the match's topic from there.
func testUpdateID(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	lastFor := func(id int64) hub.Update {
		t.Helper()
		var last hub.Update
		for _, u := range pub.list() {
			if len(u.Topics) == 1 && u.Topics[0] == Topic(id) {
				last = u
			}
		}
		if last.ID == "" {
			t.Fatalf("no update published on %s", Topic(id))
		}
		return last
	}
	check := func(what string, id int64, returned string) {
		t.Helper()
		u := lastFor(id)
		st, err := s.State(ctx, id)
		if err != nil {
			t.Fatalf("%s: State: %v", what, err)
		}
		if st.UpdateID != u.ID || returned != u.ID {
			t.Errorf("%s: got stored update id %q, returned %q, want the last published %q", what, st.UpdateID, returned, u.ID)
		}
		if u.ID != pub.list()[len(pub.list())-1].ID {
			return // not the newest update of all
		}
		stored, err := s.LastUpdate(ctx)
		if err != nil || stored.ID != u.ID {
			t.Errorf("%s: got last stored update %q (%v), want the published %q", what, stored.ID, err, u.ID)
		}
	}
	m := createMatch(t, ctx, s, input("football", 9))
	check("after CreateMatch", m.ID, lastFor(m.ID).ID)
	_, st := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	check("after AppendEvent", m.ID, st.UpdateID)
	_, retried := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	check("after a retried AppendEvent", m.ID, retried.UpdateID)
	in := m.Input()
	in.Venue = "Another Ground"
	_, st, err := s.EditMatch(ctx, m.ID, in)
	if err != nil {
		t.Fatalf("EditMatch: %v", err)
	}
	check("after EditMatch", m.ID, st.UpdateID)
	ms, err := s.CreateMatches(ctx, []match.MatchInput{input("football", 10), input("handball", 11)})
	if err != nil {
		t.Fatalf("CreateMatches: %v", err)
	}
	for _, m := range ms {
		st, _ := s.State(ctx, m.ID)
		check(fmt.Sprintf("after CreateMatches, match %d", m.ID), m.ID, st.UpdateID)
	}
}
