package match

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Sport is the rules of one sport as data: its periods, what may be scored
// and what each is worth, its cards, its clock and how a winner is decided.
// The fold and the validation of events read it; nothing in the package
// branches on a sport's key.
type Sport struct {
	Key       string      `json:"key"`
	Name      string      `json:"name"`
	Periods   PeriodRule  `json:"periods"`
	ExtraTime ExtraTime   `json:"extra_time"`
	ShootOut  *ShootOut   `json:"shoot_out,omitempty"` // nil: ties are not decided by a shoot-out
	Scores    []ScoreKind `json:"scores"`
	Cards     []CardKind  `json:"cards"`
	Clock     ClockRule   `json:"clock"`
	Sets      *SetRule    `json:"sets,omitempty"` // non-nil: periods are sets and the match score counts sets won
	Draws     bool        `json:"draws"`          // whether a match may end level
}

// PeriodRule describes the regular periods (halves, quarters, sets).
type PeriodRule struct {
	Count    int      `json:"count"`
	LengthMs int64    `json:"length_ms"` // 0 when periods are not timed (sets)
	Names    []string `json:"names"`     // one per period
}

// ExtraTime describes the periods played after the regular ones when the
// score is level. Count 0 means none; Unlimited means as many as needed
// (basketball overtime).
type ExtraTime struct {
	Count     int      `json:"count"`
	Unlimited bool     `json:"unlimited"`
	LengthMs  int64    `json:"length_ms"`
	Names     []string `json:"names,omitempty"` // Names[i] names extra period i+1; past the end Prefix and the number are used
	Prefix    string   `json:"prefix,omitempty"`
}

// ShootOut describes the tie-break after extra time. Its attempts are score
// events recorded during the shoot-out period; each scored one counts one
// in the shoot-out tally, not in the match score.
type ShootOut struct {
	Name string `json:"name"`
	// WinnerBonus is added to the winner's final score once the match is
	// finished (ice hockey credits the shoot-out winner with one goal).
	WinnerBonus int `json:"winner_bonus"`
}

// ScoreKind is one way of scoring. Team on a score event is the scoring
// player's team; ForOpponent kinds (an own goal) credit the other side.
type ScoreKind struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Points      int    `json:"points"`
	ForOpponent bool   `json:"for_opponent,omitempty"`
}

// CardKind is a disciplinary sanction the sport records (cards, penalties,
// suspensions).
type CardKind struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// ClockRule says whether the sport has a match clock and how it is shown.
// The state always stores elapsed time; a counting-down view shows the
// period's remaining time (Clock.StartMs + Clock.LengthMs - elapsed).
type ClockRule struct {
	Timed     bool `json:"timed"`
	CountDown bool `json:"count_down"`
}

// SetRule is the rule of set-based sports: a set is won by the first side to
// reach Points (LastSetPoints in the deciding set) with a lead of WinBy; the
// match by the first side to win SetsToWin sets.
type SetRule struct {
	Points        int `json:"points"`
	LastSetPoints int `json:"last_set_points"`
	WinBy         int `json:"win_by"`
	SetsToWin     int `json:"sets_to_win"`
}

// PeriodKind classifies a period.
type PeriodKind string

// The kinds of period.
const (
	PeriodRegular  PeriodKind = "regular"
	PeriodExtra    PeriodKind = "extra"
	PeriodShootOut PeriodKind = "shoot_out"
)

// PeriodInfo describes period number N of a sport.
type PeriodInfo struct {
	Number   int        `json:"number"`
	Name     string     `json:"name"`
	Kind     PeriodKind `json:"kind"`
	StartMs  int64      `json:"start_ms"`  // the elapsed match time at which it starts
	LengthMs int64      `json:"length_ms"` // 0 when not timed
}

// LastPeriod returns the number of the sport's last possible period,
// counting extra time and the shoot-out; math.MaxInt when overtime is
// unlimited.
func (s Sport) LastPeriod() int {
	if s.ExtraTime.Unlimited {
		return math.MaxInt
	}
	n := s.Periods.Count + s.ExtraTime.Count
	if s.ShootOut != nil {
		n++
	}
	return n
}

// Period describes period n (1-based). It reports false when the sport has
// no such period.
func (s Sport) Period(n int) (PeriodInfo, bool) {
	if n < 1 || n > s.LastPeriod() {
		return PeriodInfo{Number: n, Name: fmt.Sprintf("Period %d", n), Kind: PeriodRegular}, false
	}
	reg := s.Periods
	if n <= reg.Count {
		return PeriodInfo{Number: n, Name: nameAt(reg.Names, n, "Period"), Kind: PeriodRegular,
			StartMs: int64(n-1) * reg.LengthMs, LengthMs: reg.LengthMs}, true
	}
	regEnd := int64(reg.Count) * reg.LengthMs
	et := s.ExtraTime
	j := n - reg.Count
	if et.Unlimited || j <= et.Count {
		prefix := cmp.Or(et.Prefix, "Extra time")
		return PeriodInfo{Number: n, Name: nameAt(et.Names, j, prefix), Kind: PeriodExtra,
			StartMs: regEnd + int64(j-1)*et.LengthMs, LengthMs: et.LengthMs}, true
	}
	return PeriodInfo{Number: n, Name: s.ShootOut.Name, Kind: PeriodShootOut,
		StartMs: regEnd + int64(et.Count)*et.LengthMs}, true
}

// ScoreKind returns the sport's score kind with the given key; "" stands for
// the only kind of a sport that has one.
func (s Sport) ScoreKind(key string) (ScoreKind, bool) {
	if key == "" && len(s.Scores) == 1 {
		return s.Scores[0], true
	}
	i := slices.IndexFunc(s.Scores, func(k ScoreKind) bool { return k.Key == key })
	if i < 0 {
		return ScoreKind{}, false
	}
	return s.Scores[i], true
}

// CardKind returns the sport's card with the given key.
func (s Sport) CardKind(key string) (CardKind, bool) {
	i := slices.IndexFunc(s.Cards, func(k CardKind) bool { return k.Key == key })
	if i < 0 {
		return CardKind{}, false
	}
	return s.Cards[i], true
}

// setTarget is the points needed to win set n.
func (r SetRule) setTarget(n, lastSet int) int {
	if n == lastSet && r.LastSetPoints > 0 {
		return r.LastSetPoints
	}
	return r.Points
}

// setWinner says who has won a set with these points, "" if nobody yet.
func (r SetRule) setWinner(n, lastSet, home, away int) Side {
	t := r.setTarget(n, lastSet)
	switch {
	case home >= t && home-away >= r.WinBy:
		return Home
	case away >= t && away-home >= r.WinBy:
		return Away
	}
	return ""
}

func nameAt(names []string, n int, prefix string) string {
	if n-1 < len(names) {
		return names[n-1]
	}
	return fmt.Sprintf("%s %d", prefix, n)
}

func keysOf[T any](items []T, key func(T) string) string {
	ks := make([]string, len(items))
	for i, it := range items {
		ks[i] = key(it)
	}
	return strings.Join(ks, ", ")
}

// SportByKey returns the sport with the given key. The value is the
// caller's own: changing it changes no rule.
func SportByKey(key string) (Sport, bool) {
	for _, s := range registry {
		if s.Key == key {
			return s.clone(), true
		}
	}
	return Sport{}, false
}

// Sports returns every sport the scoreboard knows, in a stable order (the
// order a form lists them in).
func Sports() []Sport {
	out := make([]Sport, len(registry))
	for i, s := range registry {
		out[i] = s.clone()
	}
	return out
}

// clone copies what a Sport shares by reference, so that no caller can
// change the registry.
func (s Sport) clone() Sport {
	s.Periods.Names = slices.Clone(s.Periods.Names)
	s.ExtraTime.Names = slices.Clone(s.ExtraTime.Names)
	s.Scores = slices.Clone(s.Scores)
	s.Cards = slices.Clone(s.Cards)
	if s.ShootOut != nil {
		so := *s.ShootOut
		s.ShootOut = &so
	}
	if s.Sets != nil {
		sr := *s.Sets
		s.Sets = &sr
	}
	return s
}

// SportKeys returns the keys of every known sport, comma-separated, for
// messages that tell the user what to choose from.
func SportKeys() string {
	return keysOf(registry, func(s Sport) string { return s.Key })
}
