package match

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSportsRegistry(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, s := range Sports() {
		keys = append(keys, s.Key)
		got, ok := SportByKey(s.Key)
		if !ok || got.Name != s.Name {
			t.Errorf("SportByKey(%q) = %q, %v; want %q, true", s.Key, got.Name, ok, s.Name)
		}
		if len(s.Periods.Names) != s.Periods.Count {
			t.Errorf("%s: got %d period names, want %d", s.Key, len(s.Periods.Names), s.Periods.Count)
		}
		if len(s.Scores) == 0 {
			t.Errorf("%s: no score kinds", s.Key)
		}
	}
	want := []string{"football", "basketball", "rugby_union", "ice_hockey", "handball", "volleyball"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("Sports() keys (-want +got):\n%s", diff)
	}
	if _, ok := SportByKey("quidditch"); ok {
		t.Errorf("SportByKey(quidditch) found a sport, want none")
	}
	if got := SportKeys(); got != "football, basketball, rugby_union, ice_hockey, handball, volleyball" {
		t.Errorf("SportKeys() = %q", got)
	}
}

func TestSportPeriods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sport string
		n     int
		want  PeriodInfo
		ok    bool
	}{
		{"football", 1, PeriodInfo{1, "1st half", PeriodRegular, 0, 45 * minute}, true},
		{"football", 2, PeriodInfo{2, "2nd half", PeriodRegular, 45 * minute, 45 * minute}, true},
		{"football", 3, PeriodInfo{3, "Extra time 1st half", PeriodExtra, 90 * minute, 15 * minute}, true},
		{"football", 4, PeriodInfo{4, "Extra time 2nd half", PeriodExtra, 105 * minute, 15 * minute}, true},
		{"football", 5, PeriodInfo{5, "Penalty shoot-out", PeriodShootOut, 120 * minute, 0}, true},
		{"football", 6, PeriodInfo{6, "Period 6", PeriodRegular, 0, 0}, false},
		{"football", 0, PeriodInfo{0, "Period 0", PeriodRegular, 0, 0}, false},
		{"basketball", 4, PeriodInfo{4, "Q4", PeriodRegular, 30 * minute, 10 * minute}, true},
		{"basketball", 5, PeriodInfo{5, "OT 1", PeriodExtra, 40 * minute, 5 * minute}, true},
		{"basketball", 9, PeriodInfo{9, "OT 5", PeriodExtra, 60 * minute, 5 * minute}, true},
		{"ice_hockey", 4, PeriodInfo{4, "Overtime", PeriodExtra, 60 * minute, 5 * minute}, true},
		{"ice_hockey", 5, PeriodInfo{5, "Shoot-out", PeriodShootOut, 65 * minute, 0}, true},
		{"handball", 5, PeriodInfo{5, "7-metre throws", PeriodShootOut, 70 * minute, 0}, true},
		{"rugby_union", 3, PeriodInfo{3, "Period 3", PeriodRegular, 0, 0}, false},
		{"volleyball", 5, PeriodInfo{5, "Set 5", PeriodRegular, 0, 0}, true},
		{"volleyball", 6, PeriodInfo{6, "Period 6", PeriodRegular, 0, 0}, false},
	}
	for _, tt := range tests {
		sp, _ := SportByKey(tt.sport)
		got, ok := sp.Period(tt.n)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s.Period(%d) = %+v, %v; want %+v, %v", tt.sport, tt.n, got, ok, tt.want, tt.ok)
		}
	}
	lasts := map[string]int{"football": 5, "basketball": math.MaxInt, "rugby_union": 2,
		"ice_hockey": 5, "handball": 5, "volleyball": 5}
	for key, want := range lasts {
		sp, _ := SportByKey(key)
		if got := sp.LastPeriod(); got != want {
			t.Errorf("%s.LastPeriod() = %d, want %d", key, got, want)
		}
	}
}

func TestSportScoreKind(t *testing.T) {
	t.Parallel()
	fb, _ := SportByKey("football")
	if k, ok := fb.ScoreKind("own_goal"); !ok || !k.ForOpponent || k.Points != 1 {
		t.Errorf("football own_goal = %+v, %v; want an own goal worth 1 for the opponent", k, ok)
	}
	if _, ok := fb.ScoreKind(""); ok {
		t.Errorf("football ScoreKind(\"\") found a kind, want none (football has three)")
	}
	ih, _ := SportByKey("ice_hockey")
	if k, ok := ih.ScoreKind(""); !ok || k.Key != "goal" {
		t.Errorf("ice_hockey ScoreKind(\"\") = %+v, %v; want goal", k, ok)
	}
	if _, ok := ih.CardKind("minor"); !ok {
		t.Errorf("ice_hockey has no minor penalty, want one")
	}
}

func TestSportsAreCopies(t *testing.T) {
	t.Parallel()
	sp, _ := SportByKey("volleyball")
	sp.Scores[0].Points = 99
	sp.Sets.Points = 1
	Sports()[0].Cards[0].Key = "green"
	again, _ := SportByKey("volleyball")
	if again.Scores[0].Points != 1 || again.Sets.Points != 25 {
		t.Errorf("after changing a returned sport: got point worth %d, sets to %d; want 1 and 25", again.Scores[0].Points, again.Sets.Points)
	}
	if fb, _ := SportByKey("football"); fb.Cards[0].Key != "yellow" {
		t.Errorf("after changing Sports()[0]: got first card %q, want yellow", fb.Cards[0].Key)
	}
}
