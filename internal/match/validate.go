package match

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on the free-text parts of an event.
const (
	maxNameLen = 100  // player, assist, player_in
	maxTextLen = 1000 // note text, reasons
	maxKeyLen  = 200  // idempotency key
	maxClockMs = 24 * 60 * minute
	maxScore   = 100000
)

// kinds lists every event kind, in the order messages list them.
var kinds = []EventKind{
	KindMatchStart, KindMatchEnd, KindPeriodStart, KindPeriodEnd,
	KindClockStart, KindClockStop, KindClockAdjust, KindScore, KindCard,
	KindSubstitution, KindTimeout, KindScoreCorrection, KindNote, KindVoid,
	KindPostpone, KindCancel,
}

// Kinds returns every event kind.
func Kinds() []EventKind { return slices.Clone(kinds) }

// validator checks a NewEvent against the sport and the state before it.
// st.Seq is the log's last sequence number; target tells checkVoid about
// the event of the log that a void names.
type validator struct {
	sport  Sport
	st     State
	target func(seq int64) voidTarget
}

// voidTarget is what checkVoid needs to know of the event a void names.
type voidTarget struct {
	found    bool // whether the log has an event of that seq
	kind     EventKind
	counts   bool  // whether it still counts
	voidedBy int64 // the last counting void that cancels it; 0 if none
}

// scanTarget looks a void's target up in log, whose events counts says
// count, by scanning it: Record's way, which folds the log anyway.
func scanTarget(log []Event, counts []bool) func(seq int64) voidTarget {
	return func(seq int64) voidTarget {
		i := slices.IndexFunc(log, func(e Event) bool { return e.Seq == seq })
		if i < 0 {
			return voidTarget{}
		}
		t := voidTarget{found: true, kind: log[i].Kind, counts: counts[i]}
		for j := len(log) - 1; j > i && !t.counts; j-- {
			if e := log[j]; counts[j] && e.Kind == KindVoid && e.VoidSeq == seq {
				t.voidedBy = e.Seq
				break
			}
		}
		return t
	}
}

func (v validator) check(in NewEvent) error {
	if !slices.Contains(kinds, in.Kind) {
		return Errorf(EINVALID, "unknown event kind %q; use one of: %s",
			in.Kind, keysOf(kinds, func(k EventKind) string { return string(k) }))
	}
	if err := checkText(in); err != nil {
		return err
	}
	if in.Team != "" && !in.Team.valid() {
		return Errorf(EINVALID, "team must be %q or %q, got %q", Home, Away, in.Team)
	}
	if err := v.checkStatus(in.Kind); err != nil {
		return err
	}
	switch in.Kind {
	case KindMatchStart, KindPostpone:
		return v.checkBeforeStart(in.Kind)
	case KindPeriodStart:
		return v.checkPeriodStart(in.Period)
	case KindPeriodEnd:
		return v.checkPeriodEnd(in.Period)
	case KindClockStart, KindClockStop, KindClockAdjust:
		return v.checkClock(in)
	case KindScore:
		return v.checkScore(in)
	case KindCard:
		return v.checkCard(in)
	case KindSubstitution:
		return checkSubstitution(in)
	case KindScoreCorrection:
		return checkCorrection(in)
	case KindNote:
		if strings.TrimSpace(in.Text) == "" {
			return Errorf(EINVALID, "a note needs text")
		}
	case KindVoid:
		return v.checkVoid(in.VoidSeq)
	case KindMatchEnd:
		return v.checkMatchEnd()
	}
	return nil
}

func checkText(in NewEvent) error {
	for _, f := range []struct{ name, value string }{
		{"player", in.Player}, {"assist", in.Assist}, {"player_in", in.PlayerIn},
	} {
		if utf8.RuneCountInString(f.value) > maxNameLen {
			return Errorf(EINVALID, "%s is longer than %d characters; shorten it", f.name, maxNameLen)
		}
	}
	if utf8.RuneCountInString(in.Text) > maxTextLen {
		return Errorf(EINVALID, "text is longer than %d characters; shorten it", maxTextLen)
	}
	if len(in.IdempotencyKey) > maxKeyLen {
		return Errorf(EINVALID, "idempotency_key is longer than %d bytes; use a shorter unique key", maxKeyLen)
	}
	return nil
}

// checkStatus says which kinds a match's status allows at all.
func (v validator) checkStatus(k EventKind) error {
	st := v.st
	allowed := func(ks ...EventKind) bool { return slices.Contains(ks, k) }
	switch st.Status {
	case StatusCancelled:
		if !allowed(KindNote, KindVoid) {
			return Errorf(EINVALID, "match %d was cancelled; only a note or a void can be recorded now", st.ID)
		}
	case StatusFinished:
		if !allowed(KindNote, KindVoid, KindScoreCorrection) {
			return Errorf(EINVALID, "match %d is finished; only a note, a void or a score_correction can be recorded now "+
				"(void its match_end, event %d, to reopen it)", st.ID, v.lastOf(KindMatchEnd))
		}
	case StatusScheduled, StatusPostponed:
		if !allowed(KindMatchStart, KindPostpone, KindCancel, KindNote, KindVoid) {
			return Errorf(EINVALID, "match %d has not started; record match_start first", st.ID)
		}
	}
	return nil
}

// lastOf returns the sequence number of the last counting event of kind k.
func (v validator) lastOf(k EventKind) int64 {
	for i := len(v.st.Timeline) - 1; i >= 0; i-- {
		if v.st.Timeline[i].Kind == k {
			return v.st.Timeline[i].Seq
		}
	}
	return 0
}

func (v validator) checkBeforeStart(k EventKind) error {
	switch {
	case v.st.Status == StatusLive || v.st.Status == StatusInterval:
		if k == KindPostpone {
			return Errorf(EINVALID, "match %d is under way and cannot be postponed; record cancel if it was abandoned", v.st.ID)
		}
		return Errorf(EINVALID, "match %d has already started (event %d)", v.st.ID, v.lastOf(KindMatchStart))
	case k == KindPostpone && v.st.Status == StatusPostponed:
		return Errorf(EINVALID, "match %d is already postponed", v.st.ID)
	}
	return nil
}

func (v validator) periodLabel(n int) string {
	info, _ := v.sport.Period(n)
	return info.Name
}

func (v validator) checkPeriodStart(p int) error {
	st, sp := v.st, v.sport
	cur := st.Period
	n := resolvePeriodStart(p, cur)
	switch {
	case n < 1:
		return Errorf(EINVALID, "period must be 1 or more, got %d", n)
	case n > sp.LastPeriod():
		return Errorf(EINVALID, "%s has no period %d; its last is period %d (%s)",
			sp.Name, n, sp.LastPeriod(), v.periodLabel(sp.LastPeriod()))
	case n < cur:
		return Errorf(EINVALID, "period %d (%s) is over; the current period is %d (%s)",
			n, v.periodLabel(n), cur, v.periodLabel(cur))
	case n > cur+1:
		return Errorf(EINVALID, "period %d cannot start before period %d; the current period is %d (%s)",
			n, cur+1, cur, v.periodLabel(cur))
	case n == cur:
		return nil // restarting the current period resets its clock
	}
	if sp.Sets != nil && st.Winner != "" {
		return Errorf(EINVALID, "the match is decided (sets %d-%d); record match_end", st.Home.Score, st.Away.Score)
	}
	if st.PeriodOpen {
		if sp.Sets != nil {
			p := st.Periods[cur-1]
			return Errorf(EINVALID, "%s is still in play (%d-%d); it ends when a side wins it", p.Name, p.Home, p.Away)
		}
		return Errorf(EINVALID, "period %d (%s) is still in play; record period_end first", cur, v.periodLabel(cur))
	}
	info, _ := sp.Period(n)
	if info.Kind != PeriodRegular && !sp.Draws && st.Home.Score != st.Away.Score {
		return Errorf(EINVALID, "%s is only played when the score is level; it is %d-%d, so record match_end",
			info.Name, st.Home.Score, st.Away.Score)
	}
	return nil
}

func (v validator) checkPeriodEnd(p int) error {
	st := v.st
	if v.sport.Sets != nil {
		return Errorf(EINVALID, "%s sets end by themselves when a side wins them; use score_correction to fix a set's score", v.sport.Name)
	}
	n := resolvePeriodEnd(p, st.Period)
	if n != st.Period {
		return Errorf(EINVALID, "period %d is not the current period; the current period is %d (%s)",
			n, st.Period, v.periodLabel(st.Period))
	}
	if !st.PeriodOpen {
		return Errorf(EINVALID, "period %d (%s) has already ended", n, v.periodLabel(n))
	}
	return nil
}

func (v validator) checkClock(in NewEvent) error {
	st, sp := v.st, v.sport
	if !sp.Clock.Timed {
		return Errorf(EINVALID, "%s has no match clock", sp.Name)
	}
	switch in.Kind {
	case KindClockStart:
		switch {
		case st.Clock.Running:
			return Errorf(EINVALID, "the clock is already running")
		case !st.PeriodOpen:
			return Errorf(EINVALID, "no period is in play; record period_start first")
		case st.PeriodKind == PeriodShootOut:
			return Errorf(EINVALID, "the clock does not run during the %s", v.periodLabel(st.Period))
		}
	case KindClockStop:
		if !st.Clock.Running {
			return Errorf(EINVALID, "the clock is already stopped")
		}
	case KindClockAdjust:
		if in.SetClockMs == nil {
			return Errorf(EINVALID, "clock_adjust needs set_clock_ms, the elapsed match time to set in milliseconds")
		}
		if ms := *in.SetClockMs; ms < 0 || ms > maxClockMs {
			return Errorf(EINVALID, "set_clock_ms must be between 0 and %d (24 hours), got %d", int64(maxClockMs), ms)
		}
	}
	return nil
}

func (v validator) checkScore(in NewEvent) error {
	st, sp := v.st, v.sport
	if in.Team == "" {
		return Errorf(EINVALID, "a score needs team, %q or %q", Home, Away)
	}
	k, ok := sp.ScoreKind(in.ScoreKind)
	if !ok {
		kinds := keysOf(sp.Scores, func(k ScoreKind) string { return k.Key })
		if in.ScoreKind == "" {
			return Errorf(EINVALID, "a %s score needs score_kind, one of: %s", sp.Name, kinds)
		}
		return Errorf(EINVALID, "%s has no score kind %q; use one of: %s", sp.Name, in.ScoreKind, kinds)
	}
	if st.PeriodKind == PeriodShootOut && k.ForOpponent {
		return Errorf(EINVALID, "there is no %s in a %s", strings.ToLower(k.Name), v.periodLabel(st.Period))
	}
	if sp.Sets != nil && !st.PeriodOpen {
		if st.Winner != "" {
			return Errorf(EINVALID, "the match is decided (sets %d-%d); record match_end", st.Home.Score, st.Away.Score)
		}
		p := st.Periods[st.Period-1]
		return Errorf(EINVALID, "%s is over (%d-%d); record period_start for set %d", p.Name, p.Home, p.Away, st.Period+1)
	}
	return nil
}

func (v validator) checkCard(in NewEvent) error {
	sp := v.sport
	if len(sp.Cards) == 0 {
		return Errorf(EINVALID, "%s has no cards", sp.Name)
	}
	if in.Team == "" {
		return Errorf(EINVALID, "a card needs team, %q or %q", Home, Away)
	}
	if _, ok := sp.CardKind(in.Card); !ok {
		return Errorf(EINVALID, "%s has no card %q; use one of: %s",
			sp.Name, in.Card, keysOf(sp.Cards, func(c CardKind) string { return c.Key }))
	}
	return nil
}

func checkSubstitution(in NewEvent) error {
	if in.Team == "" {
		return Errorf(EINVALID, "a substitution needs team, %q or %q", Home, Away)
	}
	if strings.TrimSpace(in.Player) == "" && strings.TrimSpace(in.PlayerIn) == "" {
		return Errorf(EINVALID, "a substitution needs player (going off) or player_in (coming on)")
	}
	return nil
}

func checkCorrection(in NewEvent) error {
	if in.Home == nil || in.Away == nil {
		return Errorf(EINVALID, "score_correction needs home and away, the scores to set")
	}
	if *in.Home < 0 || *in.Away < 0 || *in.Home > maxScore || *in.Away > maxScore {
		return Errorf(EINVALID, "score_correction scores must be between 0 and %d, got %d-%d", maxScore, *in.Home, *in.Away)
	}
	return nil
}

func (v validator) checkVoid(seq int64) error {
	last := v.st.Seq
	switch {
	case seq <= 0:
		return Errorf(EINVALID, "a void needs void_seq, the sequence number of the event to cancel")
	case seq > last:
		return Errorf(EINVALID, "there is no event %d to void; the last event is %d", seq, last)
	}
	t := v.target(seq)
	switch {
	case !t.found:
		return Errorf(EINVALID, "there is no event %d to void", seq)
	case t.counts:
		return nil
	case t.voidedBy > 0:
		return Errorf(EINVALID, "event %d (%s) is already voided by event %d; void event %d to restore it",
			seq, t.kind, t.voidedBy, t.voidedBy)
	}
	return Errorf(EINVALID, "event %d (%s) is already voided", seq, t.kind)
}

func (v validator) checkMatchEnd() error {
	st, sp := v.st, v.sport
	if sp.Sets != nil {
		if st.Winner == "" {
			return Errorf(EINVALID, "the %s match is not decided: sets are %d-%d and a side needs %d to win",
				strings.ToLower(sp.Name), st.Home.Score, st.Away.Score, sp.Sets.SetsToWin)
		}
		return nil
	}
	if st.Period < sp.Periods.Count {
		return Errorf(EINVALID, "the match cannot end in period %d (%s); %s plays %d periods; record cancel if it was abandoned",
			st.Period, v.periodLabel(st.Period), strings.ToLower(sp.Name), sp.Periods.Count)
	}
	if sp.Draws || st.Home.Score != st.Away.Score {
		return nil
	}
	if so := st.ShootOut; so != nil && so.Home != so.Away {
		return nil
	}
	next := st.Period + 1
	if so := st.ShootOut; so != nil && next > sp.LastPeriod() {
		return Errorf(EINVALID, "%s matches cannot end level (%d-%d, %s %d-%d); keep recording the %s until a side leads",
			strings.ToLower(sp.Name), st.Home.Score, st.Away.Score, strings.ToLower(v.periodLabel(st.Period)),
			so.Home, so.Away, v.periodLabel(st.Period))
	}
	if next > sp.LastPeriod() {
		return nil // the rules leave no way to break the tie
	}
	return Errorf(EINVALID, "%s matches cannot end level (%d-%d); record period_start for period %d (%s)",
		strings.ToLower(sp.Name), st.Home.Score, st.Away.Score, next, v.periodLabel(next))
}
