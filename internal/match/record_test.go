package match

import (
	"strings"
	"testing"
	"time"
)

func TestRecordRejects(t *testing.T) {
	t.Parallel()
	started := func(s *scorer) { s.kind(KindMatchStart) }
	finished := func(s *scorer) { s.kind(KindMatchStart).nextPeriod().kind(KindMatchEnd) }
	long := strings.Repeat("x", 101)
	tests := []struct {
		name  string
		sport string
		setup func(s *scorer)
		in    NewEvent
		msg   string
	}{
		{"unknown kind", "football", started, NewEvent{Kind: "goal"},
			`unknown event kind "goal"; use one of: match_start, match_end, period_start, period_end, clock_start, clock_stop, clock_adjust, score, card, substitution, timeout, score_correction, note, void, postpone, cancel`},
		{"team not in the match", "football", started, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: "visitors", ScoreKind: "goal"}},
			`team must be "home" or "away", got "visitors"`},
		{"score without team", "football", started, NewEvent{Kind: KindScore, EventDetail: EventDetail{ScoreKind: "goal"}},
			`a score needs team, "home" or "away"`},
		{"score kind of another sport", "football", started, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "try"}},
			`Football has no score kind "try"; use one of: goal, own_goal, penalty_goal`},
		{"score kind missing", "basketball", started, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home}},
			`a Basketball score needs score_kind, one of: free_throw, two_pointer, three_pointer`},
		{"score before the start", "football", nil, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "goal"}},
			`match 7 has not started; record match_start first`},
		{"own goal in a shoot-out", "football", func(s *scorer) {
			s.kind(KindMatchStart).nextPeriod().nextPeriod().nextPeriod().nextPeriod()
		}, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "own_goal"}},
			`there is no own goal in a Penalty shoot-out`},
		{"card the sport does not have", "football", started, NewEvent{Kind: KindCard, EventDetail: EventDetail{Team: Home, Card: "blue"}},
			`Football has no card "blue"; use one of: yellow, second_yellow, red`},
		{"card in a sport without cards", "basketball", started, NewEvent{Kind: KindCard, EventDetail: EventDetail{Team: Home, Card: "red"}},
			`Basketball has no cards`},
		{"card without team", "handball", started, NewEvent{Kind: KindCard, EventDetail: EventDetail{Card: "blue"}},
			`a card needs team, "home" or "away"`},
		{"period past the last", "football", started, NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: 6}},
			`Football has no period 6; its last is period 5 (Penalty shoot-out)`},
		{"period past the last, rugby", "rugby_union", func(s *scorer) { s.kind(KindMatchStart).kind(KindPeriodEnd) },
			NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: 3}}, `Rugby union has no period 3; its last is period 2 (2nd half)`},
		{"period skipped", "football", func(s *scorer) { s.kind(KindMatchStart).kind(KindPeriodEnd) },
			NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: 3}}, `period 3 cannot start before period 2; the current period is 1 (1st half)`},
		{"period over", "football", func(s *scorer) { s.kind(KindMatchStart).nextPeriod() },
			NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: 1}}, `period 1 (1st half) is over; the current period is 2 (2nd half)`},
		{"period still in play", "football", started, NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: 2}},
			`period 1 (1st half) is still in play; record period_end first`},
		{"negative period", "football", started, NewEvent{Kind: KindPeriodStart, EventDetail: EventDetail{Period: -1}},
			`period must be 1 or more, got -1`},
		{"overtime when not level", "basketball", func(s *scorer) {
			s.kind(KindMatchStart).goal(Home, "two_pointer").nextPeriod().nextPeriod().nextPeriod().kind(KindPeriodEnd)
		}, NewEvent{Kind: KindPeriodStart}, `OT 1 is only played when the score is level; it is 2-0, so record match_end`},
		{"end of a period not current", "football", started, NewEvent{Kind: KindPeriodEnd, EventDetail: EventDetail{Period: 2}},
			`period 2 is not the current period; the current period is 1 (1st half)`},
		{"period ended twice", "football", func(s *scorer) { s.kind(KindMatchStart).kind(KindPeriodEnd) },
			NewEvent{Kind: KindPeriodEnd}, `period 1 (1st half) has already ended`},
		{"correction without scores", "football", started, NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(1)}},
			`score_correction needs home and away, the scores to set`},
		{"negative correction", "football", started, NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(-1), Away: ptr(0)}},
			`score_correction scores must be between 0 and 100000, got -1-0`},
		{"void without seq", "football", started, NewEvent{Kind: KindVoid}, `a void needs void_seq, the sequence number of the event to cancel`},
		{"void of a missing event", "football", started, NewEvent{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 9}},
			`there is no event 9 to void; the last event is 1`},
		{"void of itself", "football", started, NewEvent{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 2}},
			`there is no event 2 to void; the last event is 1`},
		{"void twice", "football", func(s *scorer) { s.kind(KindMatchStart).goal(Home, "goal").rec(KindVoid, EventDetail{VoidSeq: 2}) },
			NewEvent{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 2}}, `event 2 (score) is already voided by event 3; void event 3 to restore it`},
		{"score after the end", "football", finished, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "goal"}},
			`match 7 is finished; only a note, a void or a score_correction can be recorded now (void its match_end, event 4, to reopen it)`},
		{"anything after a cancel", "football", func(s *scorer) { s.kind(KindMatchStart).kind(KindCancel) }, NewEvent{Kind: KindMatchStart},
			`match 7 was cancelled; only a note or a void can be recorded now`},
		{"started twice", "football", started, NewEvent{Kind: KindMatchStart}, `match 7 has already started (event 1)`},
		{"postponed under way", "football", started, NewEvent{Kind: KindPostpone},
			`match 7 is under way and cannot be postponed; record cancel if it was abandoned`},
		{"postponed twice", "football", func(s *scorer) { s.kind(KindPostpone) }, NewEvent{Kind: KindPostpone}, `match 7 is already postponed`},
		{"end in the first half", "football", started, NewEvent{Kind: KindMatchEnd},
			`the match cannot end in period 1 (1st half); football plays 2 periods; record cancel if it was abandoned`},
		{"basketball draw", "basketball", func(s *scorer) { s.kind(KindMatchStart).nextPeriod().nextPeriod().nextPeriod() },
			NewEvent{Kind: KindMatchEnd}, `basketball matches cannot end level (0-0); record period_start for period 5 (OT 1)`},
		{"hockey shoot-out level", "ice_hockey", func(s *scorer) {
			s.kind(KindMatchStart).nextPeriod().nextPeriod().nextPeriod().nextPeriod().goal(Home, "goal").goal(Away, "goal")
		}, NewEvent{Kind: KindMatchEnd}, `ice hockey matches cannot end level (0-0, shoot-out 1-1); keep recording the Shoot-out until a side leads`},
		{"clock already running", "football", started, NewEvent{Kind: KindClockStart}, `the clock is already running`},
		{"clock already stopped", "football", func(s *scorer) { s.kind(KindMatchStart).kind(KindClockStop) }, NewEvent{Kind: KindClockStop},
			`the clock is already stopped`},
		{"clock in the interval", "football", func(s *scorer) { s.kind(KindMatchStart).kind(KindPeriodEnd) }, NewEvent{Kind: KindClockStart},
			`no period is in play; record period_start first`},
		{"clock adjust without value", "football", started, NewEvent{Kind: KindClockAdjust}, `clock_adjust needs set_clock_ms, the elapsed match time to set in milliseconds`},
		{"clock adjust negative", "football", started, NewEvent{Kind: KindClockAdjust, EventDetail: EventDetail{SetClockMs: ptr[int64](-5)}},
			`set_clock_ms must be between 0 and 86400000 (24 hours), got -5`},
		{"substitution with nobody", "football", started, NewEvent{Kind: KindSubstitution, EventDetail: EventDetail{Team: Away}},
			`a substitution needs player (going off) or player_in (coming on)`},
		{"substitution without team", "football", started, NewEvent{Kind: KindSubstitution, EventDetail: EventDetail{Player: "A"}},
			`a substitution needs team, "home" or "away"`},
		{"empty note", "football", nil, NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "  "}}, `a note needs text`},
		{"long player name", "football", started, NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "goal", Player: long}},
			`player is longer than 100 characters; shorten it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newScorer(t, tt.sport)
			if tt.setup != nil {
				tt.setup(s)
			}
			_, _, err := Record(s.m, s.log, tt.in, s.now)
			if code := ErrorCode(err); code != EINVALID {
				t.Fatalf("code: got %q (%v), want %q", code, err, EINVALID)
			}
			if got := ErrorMessage(err); got != tt.msg {
				t.Errorf("message:\ngot  %s\nwant %s", got, tt.msg)
			}
		})
	}
}

func TestRecordConflict(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "football").kind(KindMatchStart).goal(Home, "goal")
	in := NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Away, ScoreKind: "goal"}, ExpectedSeq: ptr[int64](1)}
	_, _, err := Record(s.m, s.log, in, s.now)
	if code, msg := ErrorCode(err), ErrorMessage(err); code != ECONFLICT || msg != "match 7 is at seq 2, you last saw 1; reload and try again" {
		t.Errorf("stale seq: got %s %q, want conflict naming seq 2", code, msg)
	}
	in.ExpectedSeq = ptr[int64](2)
	ev, st, err := Record(s.m, s.log, in, s.now)
	if err != nil || ev.Seq != 3 || st.Seq != 3 || st.Away.Score != 1 {
		t.Errorf("current seq: got %+v seq %d score %d, %v; want event 3 and away 1", ev, st.Seq, st.Away.Score, err)
	}
}

func TestRecordUnknownSport(t *testing.T) {
	t.Parallel()
	m := Match{ID: 3, Sport: "quidditch"}
	_, _, err := Record(m, nil, NewEvent{Kind: KindMatchStart}, t0)
	want := `match 3 has sport "quidditch", which this scoreboard does not know; known sports: football, basketball, rugby_union, ice_hockey, handball, volleyball`
	if ErrorCode(err) != EINVALID || ErrorMessage(err) != want {
		t.Errorf("got %v, want invalid: %s", err, want)
	}
	// Fold still folds it: a stored log always folds.
	st := Fold(m, []Event{{Seq: 1, Kind: KindMatchStart}, {Seq: 2, Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "snitch"}}})
	if st.Status != StatusLive || st.Seq != 2 || st.Home.Score != 0 || len(st.Timeline) != 2 {
		t.Errorf("fold of an unknown sport: got %+v, want live, seq 2, 0-0, two events", st)
	}
}

func TestRecordFillsEvent(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "football")
	now := time.Date(2026, 5, 9, 17, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	in := NewEvent{Kind: KindMatchStart, IdempotencyKey: "k1", RecordedBy: "a@example.com"}
	ev, st, err := Record(s.m, nil, in, now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 1 || ev.RecordedAt.Location() != time.UTC || !ev.RecordedAt.Equal(now) || ev.IdempotencyKey != "k1" ||
		ev.RecordedBy != "a@example.com" || ev.ClockMs != 0 || ev.MatchID != 7 {
		t.Errorf("event: got %+v, want seq 1 at now in UTC with key k1 by a@example.com", ev)
	}
	if !SameRequest(ev, in) {
		t.Errorf("SameRequest(event, its own request): got false, want true")
	}
	if st.Seq != 1 || st.Status != StatusLive {
		t.Errorf("state: got seq %d status %s, want 1 live", st.Seq, st.Status)
	}
}

func TestSameRequest(t *testing.T) {
	t.Parallel()
	ev := Event{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(2), Away: ptr(1), Text: "fix"}}
	tests := []struct {
		name string
		in   NewEvent
		want bool
	}{
		{"same values, other pointers", NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(2), Away: ptr(1), Text: "fix"}, ExpectedSeq: ptr[int64](4)}, true},
		{"other kind", NewEvent{Kind: KindNote, EventDetail: EventDetail{Home: ptr(2), Away: ptr(1), Text: "fix"}}, false},
		{"other value", NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(3), Away: ptr(1), Text: "fix"}}, false},
		{"missing value", NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(2), Text: "fix"}}, false},
		{"other text", NewEvent{Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(2), Away: ptr(1)}}, false},
	}
	for _, tt := range tests {
		if got := SameRequest(ev, tt.in); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRetry(t *testing.T) {
	log := []Event{
		{Seq: 1, Kind: KindMatchStart, IdempotencyKey: "start"},
		{Seq: 2, Kind: KindNote, EventDetail: EventDetail{Text: "hello"}, IdempotencyKey: "note"},
	}
	tests := []struct {
		name     string
		in       NewEvent
		wantSeq  int64
		wantOK   bool
		wantCode string
	}{
		{"no key", NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "hello"}}, 0, false, ""},
		{"unused key", NewEvent{Kind: KindNote, IdempotencyKey: "other"}, 0, false, ""},
		{"same request", NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "hello"}, IdempotencyKey: "note"}, 2, true, ""},
		{"other request", NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "bye"}, IdempotencyKey: "note"}, 0, false, ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok, err := Retry(log, tt.in)
			if ev.Seq != tt.wantSeq || ok != tt.wantOK || ErrorCode(err) != tt.wantCode {
				t.Errorf("got seq %d, %v, %v; want seq %d, %v, code %q", ev.Seq, ok, err, tt.wantSeq, tt.wantOK, tt.wantCode)
			}
		})
	}
}
