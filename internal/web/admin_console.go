package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// Keyboard shortcuts of the console: the score buttons of the home side,
// then of the away side, in the order of the sport's score kinds.
var (
	homeKeys = []string{"1", "2", "3", "4"}
	awayKeys = []string{"7", "8", "9", "0"}
)

// consolePage serves GET /admin/matches/{id}: the match console, for an
// admin or a scorer assigned to the match (403 saying why for others).
// ?saved=SEQ says that event SEQ was just saved (after a form's
// redirect).
func (s *server) consolePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayRecord(r, id); err != nil {
		return err
	}
	v, err := s.consoleView(r, id)
	if err != nil {
		return err
	}
	if seq, err := strconv.ParseInt(r.URL.Query().Get("saved"), 10, 64); err == nil {
		for _, e := range v.Log {
			if e.Seq == seq {
				v.Layout.Notice = fmt.Sprintf("Saved: %s (#%d).", e.Label, e.Seq)
			}
		}
	}
	return render(w, r, templates.Console(v))
}

// consoleView is the console of match id as it stands.
func (s *server) consoleView(r *http.Request, id int64) (templates.ConsoleView, error) {
	ctx := r.Context()
	m, err := s.store.Match(ctx, id)
	if err != nil {
		return templates.ConsoleView{}, err
	}
	st, err := s.store.State(ctx, id)
	if err != nil {
		return templates.ConsoleView{}, err
	}
	log, err := s.store.Events(ctx, id, 0)
	if err != nil {
		return templates.ConsoleView{}, err
	}
	key, err := randomID(16)
	if err != nil {
		return templates.ConsoleView{}, err
	}
	sp, _ := match.SportByKey(m.Sport)
	now := time.Now()
	v := templates.ConsoleView{
		Layout:  s.layout(r, m.Home.Name+" v "+m.Away.Name),
		MatchID: id, Competition: m.Competition, Venue: m.Venue, KickOff: kickOff(m), Sport: sp.Name,
		Status: string(st.Status), Seq: st.Seq, Key: key,
		HubURL:      "/.well-known/mercure?topic=" + url.QueryEscape(s.topic(id)) + "&lastEventID=" + url.QueryEscape(st.UpdateID),
		ServerNowMs: now.UnixMilli(),
		Home:        templates.ConsoleSide{Side: "home", Name: m.Home.Name, Score: st.Home.Score, Keys: homeKeys},
		Away:        templates.ConsoleSide{Side: "away", Name: m.Away.Name, Score: st.Away.Score, Keys: awayKeys},
		Period:      st.PeriodName, PeriodOpen: st.PeriodOpen, SetBased: sp.Sets != nil,
		Clock:         clockView(sp, st.Clock, now),
		Substitutions: sp.Clock.Timed,
	}
	for _, k := range sp.Scores {
		v.Scores = append(v.Scores, templates.ScoreButton{Key: k.Key, Label: scoreLabel(sp, k)})
	}
	for _, c := range sp.Cards {
		v.Cards = append(v.Cards, templates.ScoreButton{Key: c.Key, Label: c.Name})
	}
	if sp.Sets != nil {
		for _, p := range st.Periods {
			v.Sets = append(v.Sets, templates.SetView{Name: p.Name, Home: p.Home, Away: p.Away})
		}
	}
	v.Controls = controls(sp, st, log)
	v.Scoring = st.Status == match.StatusLive || st.Status == match.StatusInterval
	v.Log, v.Undo = logView(sp, m, log)
	return v, nil
}

// clockView is the clock as the page shows it at now and runs it on.
func clockView(sp match.Sport, c match.Clock, now time.Time) templates.ClockView {
	v := templates.ClockView{Timed: sp.Clock.Timed, Running: c.Running, CountDown: c.CountDown,
		ElapsedMs: c.ElapsedMs, AtMs: c.At.UnixMilli(), StartMs: c.StartMs, LengthMs: c.LengthMs}
	ms := c.ElapsedAt(now)
	if c.CountDown && c.LengthMs > 0 {
		ms = c.RemainingAt(now)
	}
	v.Text = clockText(ms)
	return v
}

// clockText is ms as minutes and seconds, "45:00".
func clockText(ms int64) string {
	sec := ms / 1000
	return fmt.Sprintf("%02d:%02d", sec/60, sec%60)
}

// parseClock reads "mm:ss" (or whole minutes) as milliseconds.
func parseClock(s string) (int64, error) {
	var mm, ss int64
	if _, err := fmt.Sscanf(s, "%d:%d", &mm, &ss); err != nil {
		if _, err := fmt.Sscanf(s, "%d", &mm); err != nil {
			return 0, match.Errorf(match.EINVALID, "the clock %q is not minutes:seconds; type it as 12:30", s)
		}
		ss = 0
	}
	if mm < 0 || ss < 0 || ss > 59 {
		return 0, match.Errorf(match.EINVALID, "the clock %q is not minutes:seconds; type it as 12:30", s)
	}
	return (mm*60 + ss) * 1000, nil
}

// scoreLabel is a score button's label: its name, and its points when a
// sport's kinds are worth different points ("+2 Two-pointer").
func scoreLabel(sp match.Sport, k match.ScoreKind) string {
	for _, o := range sp.Scores {
		if o.Points != k.Points {
			return fmt.Sprintf("+%d %s", k.Points, k.Name)
		}
	}
	return k.Name
}

// controls are the match, period and clock actions the state allows.
func controls(sp match.Sport, st match.State, log []match.Event) []templates.Control {
	var cs []templates.Control
	add := func(tap, label, class, confirm string) {
		cs = append(cs, templates.Control{Tap: tap, Label: label, Class: class, Confirm: confirm})
	}
	next, _ := sp.Period(st.Period + 1)
	canEnd := st.Period >= sp.Periods.Count
	if sp.Sets != nil {
		canEnd = st.Winner != ""
	}
	switch st.Status {
	case match.StatusScheduled, match.StatusPostponed:
		add("match_start", "Start match", "primary", "")
		if st.Status == match.StatusScheduled {
			add("postpone", "Postpone", "", "Postpone this match?")
		}
		add("cancel", "Cancel match", "danger", "Cancel this match? It cannot be played on afterwards.")
	case match.StatusLive:
		if sp.Clock.Timed && st.PeriodKind != match.PeriodShootOut {
			if st.Clock.Running {
				add("clock_stop", "Stop clock", "primary", "")
			} else if st.PeriodOpen {
				add("clock_start", "Start clock", "primary", "")
			}
		}
		if st.PeriodOpen && sp.Sets == nil {
			add("period_end", "End "+st.PeriodName, "", "")
		} else if !st.PeriodOpen {
			add("period_start", "Start "+next.Name, "", "")
		}
		if canEnd {
			add("match_end", "Finish match", "", "Finish the match at this score?")
		}
		add("cancel", "Cancel match", "danger", "Cancel this match? It cannot be played on afterwards.")
	case match.StatusInterval:
		add("period_start", "Start "+next.Name, "primary", "")
		if canEnd {
			add("match_end", "Finish match", "", "Finish the match at this score?")
		}
		add("cancel", "Cancel match", "danger", "Cancel this match? It cannot be played on afterwards.")
	case match.StatusFinished:
		for i := len(log) - 1; i >= 0; i-- {
			if log[i].Kind == match.KindMatchEnd {
				add("void/"+strconv.FormatInt(log[i].Seq, 10), "Reopen match", "", "Reopen the match? Its finish is voided.")
				break
			}
		}
	}
	return cs
}

// logView is the log newest first, who recorded each event and when, and
// the event that undo voids (the last one that counts and is no void).
func logView(sp match.Sport, m match.Match, log []match.Event) ([]templates.LogEntry, *templates.LogEntry) {
	voidedBy := map[int64]int64{}
	for _, ev := range log {
		if ev.Kind == match.KindVoid {
			voidedBy[ev.VoidSeq] = ev.Seq
		}
	}
	// A void that is itself voided no longer cancels its event.
	for seq, by := range voidedBy {
		if _, undone := voidedBy[by]; undone {
			delete(voidedBy, seq)
		}
	}
	entries := make([]templates.LogEntry, 0, len(log))
	var undo *templates.LogEntry
	for i := len(log) - 1; i >= 0; i-- {
		ev := log[i]
		e := templates.LogEntry{Seq: ev.Seq, Label: eventLabel(sp, m, ev), By: ev.RecordedBy,
			At: ev.RecordedAt.UTC().Format("15:04:05") + " UTC", Clock: clockText(ev.ClockMs),
			VoidedBy: voidedBy[ev.Seq], IsVoid: ev.Kind == match.KindVoid}
		e.CanVoid = e.VoidedBy == 0 && !e.IsVoid
		if undo == nil && e.CanVoid {
			u := e
			undo = &u
		}
		entries = append(entries, e)
	}
	return entries, undo
}

// eventLabel says what an event was, with the team's name and the
// sport's names for scores and cards: "Goal: Lyon (Ben Yedder, assist
// Cherki)".
func eventLabel(sp match.Sport, m match.Match, ev match.Event) string {
	team := ""
	switch ev.Team {
	case match.Home:
		team = m.Home.Name
	case match.Away:
		team = m.Away.Name
	}
	who := ev.Player
	if ev.Assist != "" {
		who += ", assist " + ev.Assist
	}
	withTeam := func(what string) string {
		if who != "" {
			return what + ": " + team + " (" + who + ")"
		}
		return what + ": " + team
	}
	switch ev.Kind {
	case match.KindScore:
		name := ev.ScoreKind
		if k, ok := sp.ScoreKind(ev.ScoreKind); ok {
			name = k.Name
		}
		return withTeam(name)
	case match.KindCard:
		name := ev.Card
		if c, ok := sp.CardKind(ev.Card); ok {
			name = c.Name
		}
		return withTeam(name)
	case match.KindSubstitution:
		return fmt.Sprintf("Substitution: %s (%s off, %s on)", team, ev.Player, ev.PlayerIn)
	case match.KindScoreCorrection:
		return fmt.Sprintf("Score corrected to %d–%d %s", deref(ev.Home), deref(ev.Away), ev.Text)
	case match.KindClockAdjust:
		return "Clock set to " + clockText(int64(deref(ev.SetClockMs)))
	case match.KindVoid:
		return fmt.Sprintf("Voided #%d %s", ev.VoidSeq, ev.Text)
	case match.KindPeriodStart, match.KindPeriodEnd:
		if ev.Period > 0 {
			p, _ := sp.Period(ev.Period)
			return kindNames[ev.Kind] + ": " + p.Name
		}
	case match.KindNote:
		return "Note: " + ev.Text
	}
	if n, ok := kindNames[ev.Kind]; ok {
		return n
	}
	return string(ev.Kind)
}

var kindNames = map[match.EventKind]string{
	match.KindMatchStart: "Match started", match.KindMatchEnd: "Match finished",
	match.KindPeriodStart: "Period started", match.KindPeriodEnd: "Period ended",
	match.KindClockStart: "Clock started", match.KindClockStop: "Clock stopped",
	match.KindTimeout: "Timeout", match.KindPostpone: "Postponed", match.KindCancel: "Cancelled",
}

func deref[T int | int64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}

// consoleError is err shown on the console of match id, as it stands now:
// a refused tap gets the fresh view with what went wrong.
func (s *server) consoleError(r *http.Request, id int64, err error) error {
	v, verr := s.consoleView(r, id)
	if verr != nil {
		return verr
	}
	v.Layout.Error = match.ErrorMessage(err)
	return onPage(err, templates.Console(v))
}
