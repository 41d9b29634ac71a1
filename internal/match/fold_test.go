package match

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFoldSports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sport      string
		play       func(s *scorer)
		home, away int
		winner     Side
		periods    [][2]int // per-period home, away
		shootOut   *Tally
	}{
		{
			name: "football home win with an own goal", sport: "football",
			play: func(s *scorer) {
				s.goal(Home, "goal").goal(Away, "own_goal").nextPeriod().goal(Away, "penalty_goal").kind(KindMatchEnd)
			},
			home: 2, away: 1, winner: Home, periods: [][2]int{{2, 0}, {0, 1}},
		},
		{
			name: "football draw", sport: "football",
			play: func(s *scorer) { s.goal(Home, "goal").nextPeriod().goal(Away, "goal").kind(KindMatchEnd) },
			home: 1, away: 1, winner: "", periods: [][2]int{{1, 0}, {0, 1}},
		},
		{
			name: "football penalty shoot-out decides, score stays level", sport: "football",
			play: func(s *scorer) {
				s.goal(Home, "goal").nextPeriod().goal(Away, "goal").nextPeriod().nextPeriod().nextPeriod().
					goal(Home, "penalty_goal").goal(Away, "penalty_goal").goal(Away, "goal").kind(KindMatchEnd)
			},
			home: 1, away: 1, winner: Away, periods: [][2]int{{1, 0}, {0, 1}, {0, 0}, {0, 0}, {1, 2}},
			shootOut: &Tally{Home: 1, Away: 2},
		},
		{
			name: "basketball overtime", sport: "basketball",
			play: func(s *scorer) {
				s.points(Home, "three_pointer", 2).nextPeriod().points(Away, "two_pointer", 3).nextPeriod().nextPeriod().
					goal(Home, "free_throw").goal(Away, "free_throw").nextPeriod().goal(Home, "two_pointer").kind(KindMatchEnd)
			},
			home: 9, away: 7, winner: Home, periods: [][2]int{{6, 0}, {0, 6}, {0, 0}, {1, 1}, {2, 0}},
		},
		{
			name: "rugby union", sport: "rugby_union",
			play: func(s *scorer) {
				s.goal(Home, "try").goal(Home, "conversion").goal(Away, "penalty").nextPeriod().
					goal(Away, "drop_goal").goal(Away, "try").kind(KindMatchEnd)
			},
			home: 7, away: 11, winner: Away, periods: [][2]int{{7, 3}, {0, 8}},
		},
		{
			name: "ice hockey shoot-out adds a goal to the winner", sport: "ice_hockey",
			play: func(s *scorer) {
				s.goal(Home, "").nextPeriod().goal(Away, "goal").nextPeriod().nextPeriod().nextPeriod().
					goal(Home, "goal").goal(Home, "goal").goal(Away, "goal").kind(KindMatchEnd)
			},
			home: 2, away: 1, winner: Home, periods: [][2]int{{1, 0}, {0, 1}, {0, 0}, {0, 0}, {2, 1}},
			shootOut: &Tally{Home: 2, Away: 1},
		},
		{
			name: "handball", sport: "handball",
			play: func(s *scorer) {
				s.points(Home, "goal", 14).points(Away, "goal", 12).nextPeriod().points(Away, "goal", 15).kind(KindMatchEnd)
			},
			home: 14, away: 27, winner: Away, periods: [][2]int{{14, 12}, {0, 15}},
		},
		{
			name: "volleyball 3-1", sport: "volleyball",
			play: func(s *scorer) {
				s.points(Home, "point", 25).kind(KindPeriodStart).points(Away, "point", 25).kind(KindPeriodStart).
					points(Home, "point", 25).kind(KindPeriodStart).points(Home, "point", 25).kind(KindMatchEnd)
			},
			home: 3, away: 1, winner: Home, periods: [][2]int{{25, 0}, {0, 25}, {25, 0}, {25, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newScorer(t, tt.sport).kind(KindMatchStart)
			tt.play(s)
			st := s.st
			if st.Status != StatusFinished {
				t.Errorf("status: got %s, want finished", st.Status)
			}
			if st.Home.Score != tt.home || st.Away.Score != tt.away {
				t.Errorf("score: got %d-%d, want %d-%d", st.Home.Score, st.Away.Score, tt.home, tt.away)
			}
			if st.Winner != tt.winner {
				t.Errorf("winner: got %q, want %q", st.Winner, tt.winner)
			}
			var periods [][2]int
			for _, p := range st.Periods {
				periods = append(periods, [2]int{p.Home, p.Away})
			}
			if diff := cmp.Diff(tt.periods, periods); diff != "" {
				t.Errorf("periods (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.shootOut, st.ShootOut); diff != "" {
				t.Errorf("shoot-out (-want +got):\n%s", diff)
			}
			if got := Fold(s.m, s.log); !cmp.Equal(got, st) {
				t.Errorf("Fold of the log differs from Record's state:\n%s", cmp.Diff(st, got))
			}
		})
	}
}

func TestFoldEveryKind(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "football")
	if s.st.Status != StatusScheduled || s.st.Seq != 0 || s.st.Home.Name != "Lions" {
		t.Fatalf("empty log: got %+v, want a scheduled match with seq 0 and the teams", s.st)
	}
	steps := []struct {
		kind  EventKind
		d     EventDetail
		check func(st State) string
	}{
		{KindNote, EventDetail{Text: "Rain expected"}, func(st State) string { return want(st.Status, StatusScheduled) }},
		{KindPostpone, EventDetail{}, func(st State) string { return want(st.Status, StatusPostponed) }},
		{KindMatchStart, EventDetail{}, func(st State) string {
			return want(st.Status, StatusLive) + want(st.Period, 1) + want(st.PeriodName, "1st half") + want(st.Clock.Running, true)
		}},
		{KindScore, EventDetail{Team: Home, ScoreKind: "goal", Player: "Nine", Assist: "Ten"}, func(st State) string { return want(st.Home.Score, 1) }},
		{KindCard, EventDetail{Team: Away, Card: "yellow", Player: "Four"}, func(st State) string { return want(st.Away.Cards["yellow"], 1) }},
		{KindSubstitution, EventDetail{Team: Away, Player: "Four", PlayerIn: "Twelve"}, func(st State) string { return "" }},
		{KindTimeout, EventDetail{Team: Home}, func(st State) string { return "" }},
		{KindClockStop, EventDetail{}, func(st State) string { return want(st.Clock.Running, false) }},
		{KindClockAdjust, EventDetail{SetClockMs: ptr[int64](30 * minute)}, func(st State) string { return want(st.Clock.ElapsedMs, int64(30*minute)) }},
		{KindClockStart, EventDetail{}, func(st State) string { return want(st.Clock.Running, true) }},
		{KindPeriodEnd, EventDetail{Period: 1}, func(st State) string { return want(st.Status, StatusInterval) + want(st.PeriodOpen, false) }},
		{KindPeriodStart, EventDetail{Period: 2}, func(st State) string {
			return want(st.Status, StatusLive) + want(st.Clock.ElapsedMs, int64(45*minute)) + want(st.PeriodName, "2nd half")
		}},
		{KindScoreCorrection, EventDetail{Home: ptr(3), Away: ptr(2), Text: "missed two"}, func(st State) string {
			return want(st.Home.Score, 3) + want(st.Away.Score, 2)
		}},
		{KindVoid, EventDetail{VoidSeq: 13}, func(st State) string { return want(st.Home.Score, 1) + want(st.Away.Score, 0) }},
		{KindMatchEnd, EventDetail{}, func(st State) string {
			return want(st.Status, StatusFinished) + want(st.Winner, Home) + want(st.Clock.Running, false)
		}},
		{KindCancel, EventDetail{}, nil},
	}
	for i, step := range steps {
		s.tick(time.Minute)
		err := s.try(step.kind, step.d)
		if step.check == nil {
			if ErrorCode(err) != EINVALID {
				t.Errorf("step %d %s: got error %v, want invalid", i+1, step.kind, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i+1, step.kind, err)
		}
		if msg := step.check(s.st); msg != "" {
			t.Errorf("step %d %s: %s", i+1, step.kind, msg)
		}
		if s.st.Seq != int64(i+1) {
			t.Errorf("step %d: got seq %d, want %d", i+1, s.st.Seq, i+1)
		}
	}
	// The timeline keeps what counts: everything but the void and the
	// correction it cancelled.
	if got, want := len(s.st.Timeline), 13; got != want {
		t.Errorf("timeline: got %d events, want %d", got, want)
	}
	ev := s.log[3]
	if ev.Seq != 4 || ev.RecordedBy != "ref@example.com" || ev.MatchID != 7 || !ev.RecordedAt.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("event 4: got %+v, want seq 4 by ref@example.com in match 7 at kick-off+4m", ev)
	}
	if ev.ClockMs != int64(minute) {
		t.Errorf("event 4 clock: got %d ms, want %d (a minute after match_start)", ev.ClockMs, minute)
	}
}

// want returns "" when got equals w and a "got X, want Y" message otherwise.
func want[T comparable](got, w T) string {
	if got == w {
		return ""
	}
	return "got " + fmtAny(got) + ", want " + fmtAny(w) + "; "
}

func TestFoldOddLogs(t *testing.T) {
	t.Parallel()
	m := Match{ID: 1, Sport: "basketball"}
	log := []Event{
		{Seq: 1, Kind: KindPeriodStart, EventDetail: EventDetail{Period: 1 << 40}, RecordedAt: t0},
		{Seq: 2, Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 2}},
		{Seq: 3, Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 7}},
		{Seq: 4, Kind: KindScore, EventDetail: EventDetail{Team: "nobody", ScoreKind: "two_pointer"}},
		{Seq: 5, Kind: KindScore, EventDetail: EventDetail{Team: Away, ScoreKind: "home_run"}},
		{Seq: 6, Kind: KindScoreCorrection, EventDetail: EventDetail{Home: ptr(4)}},
		{Seq: 7, Kind: "teleport"},
		{Seq: 8, Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "three_pointer"}},
	}
	st := Fold(m, log)
	if st.Period != 1 || len(st.Periods) != 1 || st.Status != StatusLive {
		t.Errorf("period: got %d with %d periods, status %s; want period 1 of 1, live", st.Period, len(st.Periods), st.Status)
	}
	if st.Home.Score != 3 || st.Away.Score != 0 || st.Seq != 8 {
		t.Errorf("score: got %d-%d at seq %d, want 3-0 at seq 8", st.Home.Score, st.Away.Score, st.Seq)
	}
	if len(st.Timeline) != 6 {
		t.Errorf("timeline: got %d events, want 6 (voids left out, a self-void and a forward void cancel nothing)", len(st.Timeline))
	}
}

// The public state never shows who recorded an event: the timeline goes to
// every fan, and RecordedBy is a user's email.
func TestTimelineHidesWhoRecorded(t *testing.T) {
	m := Match{ID: 1, Sport: "football", Home: Team{Name: "H"}, Away: Team{Name: "A"}}
	log := []Event{{MatchID: 1, Seq: 1, Kind: KindMatchStart, RecordedBy: "scorer@example.org", IdempotencyKey: "k"}}
	st := Fold(m, log)
	if len(st.Timeline) != 1 || st.Timeline[0].RecordedBy != "" || st.Timeline[0].IdempotencyKey != "" {
		t.Errorf("timeline: got %+v, want the event without RecordedBy and IdempotencyKey", st.Timeline)
	}
	if log[0].RecordedBy != "scorer@example.org" {
		t.Errorf("Fold changed the log: got RecordedBy %q, want it kept", log[0].RecordedBy)
	}
}
