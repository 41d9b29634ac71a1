package match

import (
	"testing"
	"time"
)

func TestClockElapsedAt(t *testing.T) {
	t.Parallel()
	at := t0
	tests := []struct {
		name      string
		c         Clock
		t         time.Time
		elapsed   int64
		remaining int64
	}{
		{"stopped reads what it read", Clock{ElapsedMs: 5000, At: at, LengthMs: 10000}, at.Add(time.Hour), 5000, 5000},
		{"running advances", Clock{Running: true, ElapsedMs: 5000, At: at, LengthMs: 10000}, at.Add(2 * time.Second), 7000, 3000},
		{"running never goes back", Clock{Running: true, ElapsedMs: 5000, At: at}, at.Add(-time.Second), 5000, 0},
		{"remaining stops at zero", Clock{Running: true, ElapsedMs: 5000, At: at, StartMs: 0, LengthMs: 6000}, at.Add(time.Minute), 65000, 0},
		{"remaining counts from the period start", Clock{ElapsedMs: 11 * minute, StartMs: 10 * minute, LengthMs: 10 * minute}, at, 11 * minute, 9 * minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.ElapsedAt(tt.t); got != tt.elapsed {
				t.Errorf("ElapsedAt: got %d, want %d", got, tt.elapsed)
			}
			if got := tt.c.RemainingAt(tt.t); got != tt.remaining {
				t.Errorf("RemainingAt: got %d, want %d", got, tt.remaining)
			}
		})
	}
}

func TestClockThroughAMatch(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "basketball").kind(KindMatchStart)
	s.tick(3 * time.Minute).kind(KindClockStop)
	if got := s.st.Clock; got.Running || got.ElapsedMs != 3*minute || !got.At.Equal(s.now) {
		t.Fatalf("after stop: got %+v, want stopped at 3m read at %v", got, s.now)
	}
	s.tick(time.Minute).kind(KindClockStart) // a minute stopped does not count
	s.tick(2*time.Minute).goal(Home, "two_pointer")
	if got := s.log[len(s.log)-1].ClockMs; got != 5*minute {
		t.Errorf("score clock_ms: got %d, want %d", got, 5*minute)
	}
	if got := s.st.Clock.ElapsedAt(s.now.Add(30 * time.Second)); got != 5*minute+30000 {
		t.Errorf("ElapsedAt 30s later: got %d, want %d", got, 5*minute+30000)
	}
	if got := s.st.Clock.RemainingAt(s.now); got != 5*minute {
		t.Errorf("RemainingAt: got %d, want %d", got, 5*minute)
	}
	if !s.st.Clock.CountDown {
		t.Errorf("basketball clock: got count_down false, want true")
	}
	s.rec(KindClockAdjust, EventDetail{SetClockMs: ptr[int64](9*minute + 58000)})
	s.tick(2 * time.Second).kind(KindPeriodEnd)
	if got := s.st.Clock; got.Running || got.ElapsedMs != 10*minute {
		t.Errorf("after period_end: got %+v, want stopped at 10m", got)
	}
	s.tick(2 * time.Minute).kind(KindPeriodStart)
	if got := s.st.Clock; !got.Running || got.ElapsedMs != 10*minute || got.StartMs != 10*minute || got.LengthMs != 10*minute || !got.At.Equal(s.now) {
		t.Errorf("Q2 start: got %+v, want running from 10m, a 10m period", got)
	}
}

func TestClocklessSport(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "volleyball").kind(KindMatchStart)
	if s.st.Clock.Running || s.st.Clock.LengthMs != 0 {
		t.Errorf("volleyball clock: got %+v, want stopped and untimed", s.st.Clock)
	}
	err := s.try(KindClockStart, EventDetail{})
	if got, want := ErrorMessage(err), "Volleyball has no match clock"; got != want {
		t.Errorf("clock_start: got %q, want %q", got, want)
	}
}
