package match

import "time"

// Fold computes the public state of m from its whole log. It never fails:
// every stored log folds, whatever its events, so that a state can always be
// shown. Events that no longer count (voided, or voids themselves) are left
// out first; the rest are applied in order. A sport unknown to this build
// folds with no score kinds, so its scores count zero.
func Fold(m Match, log []Event) State {
	f, _ := foldLog(m, log, 0)
	st := f.state()
	if len(log) > 0 {
		st.Seq = log[len(log)-1].Seq
	}
	return st
}

// foldLog folds the counting events of log into a folder whose timeline
// has room for spare more events, and returns which events count.
func foldLog(m Match, log []Event, spare int) (*folder, []bool) {
	counts := counting(log)
	n := spare
	for i, ev := range log {
		if counts[i] && ev.Kind != KindVoid {
			n++
		}
	}
	f := newFolder(m)
	f.st.Timeline = make([]Event, 0, n)
	for i, ev := range log {
		if counts[i] && ev.Kind != KindVoid {
			f.apply(ev)
		}
	}
	return f, counts
}

// counting reports, for each event of log, whether it still counts: a void
// cancels its target unless the void is itself cancelled. A void can only
// target an earlier event, so walking back from the end decides every void
// before the events it may target.
func counting(log []Event) []bool {
	counts := make([]bool, len(log))
	var cancelled map[int64]bool
	for i := len(log) - 1; i >= 0; i-- {
		ev := log[i]
		if cancelled[ev.Seq] {
			continue
		}
		counts[i] = true
		if ev.Kind == KindVoid && ev.VoidSeq > 0 && ev.VoidSeq < ev.Seq {
			if cancelled == nil {
				cancelled = make(map[int64]bool)
			}
			cancelled[ev.VoidSeq] = true
		}
	}
	return counts
}

// folder accumulates a State event by event. Record reuses it to validate
// an event against the state before it and then apply it, without folding
// the log twice.
type folder struct {
	sport Sport
	st    State
}

func newFolder(m Match) *folder {
	sp, ok := SportByKey(m.Sport)
	if !ok {
		sp = Sport{Key: m.Sport, Name: m.Sport}
	}
	return &folder{
		sport: sp,
		st: State{
			Summary: Summary{
				ID: m.ID, Sport: m.Sport, Status: StatusScheduled,
				Home:    TeamState{Team: m.Home},
				Away:    TeamState{Team: m.Away},
				Periods: []PeriodScore{},
				Clock:   Clock{CountDown: sp.Clock.CountDown},
			},
			Timeline: []Event{},
		},
	}
}

// apply folds one counting, non-void event into the state.
func (f *folder) apply(ev Event) {
	st, t := &f.st, ev.RecordedAt
	switch ev.Kind {
	case KindMatchStart:
		st.Status = StatusLive
		if st.Period == 0 {
			f.openPeriod(1, t)
		}
	case KindPeriodStart:
		// Record never lets a period be skipped; a log that did anyway
		// still folds, one period on, rather than opening a billion.
		f.openPeriod(min(resolvePeriodStart(ev.Period, st.Period), st.Period+1), t)
		st.Status = StatusLive
	case KindPeriodEnd:
		if resolvePeriodEnd(ev.Period, st.Period) == st.Period && st.Period > 0 {
			st.PeriodOpen = false
			st.Clock.stop(t)
			if st.Status == StatusLive {
				st.Status = StatusInterval
			}
		}
	case KindClockStart:
		if f.sport.Clock.Timed {
			st.Clock.start(t)
		}
	case KindClockStop:
		st.Clock.stop(t)
	case KindClockAdjust:
		if ev.SetClockMs != nil && f.sport.Clock.Timed {
			st.Clock.set(*ev.SetClockMs, t)
		}
	case KindScore:
		f.score(ev)
	case KindScoreCorrection:
		f.correct(ev)
	case KindCard:
		f.card(ev)
	case KindMatchEnd:
		f.halt(StatusFinished, t)
	case KindPostpone:
		f.halt(StatusPostponed, t)
	case KindCancel:
		f.halt(StatusCancelled, t)
	}
	// The timeline is public: every fan's widget gets it. Who recorded an
	// event (a user's email) and the client's idempotency key stay in the
	// log, for the admins.
	ev.RecordedBy, ev.IdempotencyKey = "", ""
	st.Timeline = append(st.Timeline, ev)
}

// resolvePeriodStart reads a period_start's period: 0 means the next one.
func resolvePeriodStart(n, current int) int {
	if n == 0 {
		return current + 1
	}
	return n
}

// resolvePeriodEnd reads a period_end's period: 0 means the current one.
func resolvePeriodEnd(n, current int) int {
	if n == 0 {
		return current
	}
	return n
}

func (f *folder) halt(s Status, t time.Time) {
	f.st.Status = s
	f.st.PeriodOpen = false
	f.st.Clock.stop(t)
}

// openPeriod makes period n current and in play, and sets the clock to the
// period's starting time; a shoot-out is not timed.
func (f *folder) openPeriod(n int, t time.Time) {
	if n < 1 {
		return
	}
	st := &f.st
	for k := len(st.Periods) + 1; k <= n; k++ {
		info, _ := f.sport.Period(k)
		st.Periods = append(st.Periods, PeriodScore{Number: k, Name: info.Name, Kind: info.Kind})
	}
	info, _ := f.sport.Period(n)
	st.Period, st.PeriodName, st.PeriodKind, st.PeriodOpen = n, info.Name, info.Kind, true
	st.Clock.StartMs, st.Clock.LengthMs = info.StartMs, info.LengthMs
	switch {
	case info.Kind == PeriodShootOut:
		st.Clock.stop(t)
		if st.ShootOut == nil {
			st.ShootOut = &Tally{}
		}
	case f.sport.Clock.Timed:
		st.Clock = Clock{Running: true, ElapsedMs: info.StartMs, At: t,
			StartMs: info.StartMs, LengthMs: info.LengthMs, CountDown: f.sport.Clock.CountDown}
	}
}

// current returns the current period's score, nil before the first period.
func (f *folder) current() *PeriodScore {
	if f.st.Period < 1 || f.st.Period > len(f.st.Periods) {
		return nil
	}
	return &f.st.Periods[f.st.Period-1]
}

func (f *folder) score(ev Event) {
	k, ok := f.sport.ScoreKind(ev.ScoreKind)
	side := ev.Team
	if !ok || !side.valid() {
		return
	}
	if k.ForOpponent {
		side = side.Other()
	}
	p := f.current()
	switch {
	case p != nil && p.Kind == PeriodShootOut:
		p.add(side, 1)
		f.st.ShootOut.add(side, 1)
	case f.sport.Sets != nil:
		if p != nil {
			p.add(side, k.Points)
			f.checkSet()
		}
	default:
		f.st.team(side).Score += k.Points
		if p != nil {
			p.add(side, k.Points)
		}
	}
}

// correct applies a score_correction: it sets the match score, or in a
// set-based sport the current set's points.
func (f *folder) correct(ev Event) {
	if ev.Home == nil || ev.Away == nil {
		return
	}
	if f.sport.Sets == nil {
		f.st.Home.Score, f.st.Away.Score = *ev.Home, *ev.Away
		return
	}
	if p := f.current(); p != nil {
		p.Home, p.Away = *ev.Home, *ev.Away
		f.checkSet()
	}
}

// checkSet closes the current set when its points win it, and reopens it
// when a correction takes the win away.
func (f *folder) checkSet() {
	p, st := f.current(), &f.st
	was := p.Winner
	p.Winner = f.sport.Sets.setWinner(p.Number, f.sport.Periods.Count, p.Home, p.Away)
	switch {
	case p.Winner != "" && was == "":
		st.PeriodOpen = false
		if st.Status == StatusLive {
			st.Status = StatusInterval
		}
	case p.Winner == "" && was != "":
		st.PeriodOpen = true
		if st.Status == StatusInterval {
			st.Status = StatusLive
		}
	}
}

func (f *folder) card(ev Event) {
	if !ev.Team.valid() || ev.Card == "" {
		return
	}
	ts := f.st.team(ev.Team)
	if ts.Cards == nil {
		ts.Cards = make(map[string]int)
	}
	ts.Cards[ev.Card]++
}

// state returns the folded state with what is derived from the whole of it:
// sets won, the winner, a shoot-out winner's bonus.
func (f *folder) state() State {
	st := f.st
	if sr := f.sport.Sets; sr != nil {
		st.Home.Score, st.Away.Score = 0, 0
		for _, p := range st.Periods {
			if p.Winner != "" {
				st.team(p.Winner).Score++
			}
		}
		switch {
		case st.Home.Score >= sr.SetsToWin:
			st.Winner = Home
		case st.Away.Score >= sr.SetsToWin:
			st.Winner = Away
		case st.Status == StatusFinished:
			st.Winner = leader(st.Home.Score, st.Away.Score)
		}
		return st
	}
	if st.Status != StatusFinished {
		return st
	}
	st.Winner = leader(st.Home.Score, st.Away.Score)
	if st.Winner == "" && st.ShootOut != nil {
		st.Winner = leader(st.ShootOut.Home, st.ShootOut.Away)
		if st.Winner != "" && f.sport.ShootOut != nil {
			st.team(st.Winner).Score += f.sport.ShootOut.WinnerBonus
		}
	}
	return st
}

func leader(home, away int) Side {
	switch {
	case home > away:
		return Home
	case away > home:
		return Away
	}
	return ""
}

func (st *State) team(s Side) *TeamState {
	if s == Away {
		return &st.Away
	}
	return &st.Home
}

func (p *PeriodScore) add(s Side, n int) {
	if s == Away {
		p.Away += n
	} else {
		p.Home += n
	}
}

func (t *Tally) add(s Side, n int) {
	if s == Away {
		t.Away += n
	} else {
		t.Home += n
	}
}

func (s Side) valid() bool { return s == Home || s == Away }

// Other returns the opposing side.
func (s Side) Other() Side {
	if s == Home {
		return Away
	}
	return Home
}
