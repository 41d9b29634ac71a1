package match

import "testing"

func TestVolleyballSets(t *testing.T) {
	t.Parallel()
	t.Run("set closes at 25 and the next must be started", func(t *testing.T) {
		t.Parallel()
		s := newScorer(t, "volleyball").kind(KindMatchStart).points(Home, "point", 24).points(Away, "point", 20)
		if !s.st.PeriodOpen || s.st.Periods[0].Winner != "" {
			t.Fatalf("24-20: got open %v winner %q, want open and no winner", s.st.PeriodOpen, s.st.Periods[0].Winner)
		}
		s.goal(Home, "point")
		if s.st.PeriodOpen || s.st.Periods[0].Winner != Home || s.st.Status != StatusInterval || s.st.Home.Score != 1 {
			t.Fatalf("25-20: got open %v winner %q status %s sets %d, want the set won by home and an interval",
				s.st.PeriodOpen, s.st.Periods[0].Winner, s.st.Status, s.st.Home.Score)
		}
		err := s.try(KindScore, EventDetail{Team: Away})
		if got, want := ErrorMessage(err), "Set 1 is over (25-20); record period_start for set 2"; got != want {
			t.Errorf("score after set: got %q, want %q", got, want)
		}
	})
	t.Run("win by two at 24-24", func(t *testing.T) {
		t.Parallel()
		s := newScorer(t, "volleyball").kind(KindMatchStart).points(Home, "point", 24).points(Away, "point", 24)
		s.goal(Home, "point")
		if s.st.Periods[0].Winner != "" {
			t.Fatalf("25-24: got winner %q, want none", s.st.Periods[0].Winner)
		}
		s.goal(Away, "point").goal(Away, "point")
		if s.st.Periods[0].Winner != "" {
			t.Fatalf("25-26: got winner %q, want none yet (26-25 is not by two)", s.st.Periods[0].Winner)
		}
		s.goal(Away, "point")
		if p := s.st.Periods[0]; p.Winner != Away || p.Home != 25 || p.Away != 27 {
			t.Fatalf("25-27: got %+v, want away winning 25-27", p)
		}
		err := s.try(KindPeriodEnd, EventDetail{})
		if got, want := ErrorMessage(err), "Volleyball sets end by themselves when a side wins them; use score_correction to fix a set's score"; got != want {
			t.Errorf("period_end: got %q, want %q", got, want)
		}
	})
	t.Run("fifth set to 15", func(t *testing.T) {
		t.Parallel()
		s := newScorer(t, "volleyball").kind(KindMatchStart)
		for _, side := range []Side{Home, Away, Home, Away} {
			s.points(side, "point", 25).kind(KindPeriodStart)
		}
		err := s.try(KindMatchEnd, EventDetail{})
		if got, want := ErrorMessage(err), "the volleyball match is not decided: sets are 2-2 and a side needs 3 to win"; got != want {
			t.Errorf("match_end at 2-2: got %q, want %q", got, want)
		}
		s.points(Home, "point", 14).points(Away, "point", 14).goal(Home, "point")
		if s.st.Winner != "" {
			t.Fatalf("15-14 in the fifth: got winner %q, want none", s.st.Winner)
		}
		s.goal(Home, "point")
		if s.st.Winner != Home || s.st.Home.Score != 3 || s.st.Away.Score != 2 || s.st.PeriodName != "Set 5" {
			t.Fatalf("16-14 in the fifth: got winner %q sets %d-%d in %s, want home 3-2 in Set 5",
				s.st.Winner, s.st.Home.Score, s.st.Away.Score, s.st.PeriodName)
		}
		err = s.try(KindPeriodStart, EventDetail{})
		if got, want := ErrorMessage(err), "Volleyball has no period 6; its last is period 5 (Set 5)"; got != want {
			t.Errorf("period_start 6: got %q, want %q", got, want)
		}
		s.kind(KindMatchEnd)
		if s.st.Status != StatusFinished || s.st.Winner != Home {
			t.Errorf("after match_end: got %s winner %q, want finished, home", s.st.Status, s.st.Winner)
		}
	})
	t.Run("a correction reopens a won set", func(t *testing.T) {
		t.Parallel()
		s := newScorer(t, "volleyball").kind(KindMatchStart).points(Home, "point", 25)
		s.rec(KindScoreCorrection, EventDetail{Home: ptr(24), Away: ptr(3)})
		if p := s.st.Periods[0]; !s.st.PeriodOpen || p.Winner != "" || p.Home != 24 || p.Away != 3 || s.st.Status != StatusLive || s.st.Home.Score != 0 {
			t.Fatalf("after correction: got %+v open %v status %s, want set 1 reopened at 24-3", p, s.st.PeriodOpen, s.st.Status)
		}
		s.goal(Home, "point")
		if s.st.Home.Score != 1 {
			t.Errorf("sets: got %d, want 1", s.st.Home.Score)
		}
	})
	t.Run("a set in play cannot be skipped", func(t *testing.T) {
		t.Parallel()
		s := newScorer(t, "volleyball").kind(KindMatchStart).points(Home, "point", 12).points(Away, "point", 10)
		err := s.try(KindPeriodStart, EventDetail{})
		if got, want := ErrorMessage(err), "Set 1 is still in play (12-10); it ends when a side wins it"; got != want {
			t.Errorf("period_start: got %q, want %q", got, want)
		}
	})
}
