package match

import "time"

// State is the public state of a match: a pure fold of its log (Fold), and
// the id of the hub update that published it. It is what the API returns;
// the hub publishes its Summary (see Update).
type State struct {
	Summary
	// UpdateID is the id of the hub update that published this state: a
	// client that read it subscribes with lastEventID=UpdateID and misses
	// nothing in between. Stores set it; Fold leaves it empty.
	UpdateID string  `json:"update_id,omitempty"`
	Timeline []Event `json:"timeline"` // the events that still count, voids excluded
}

// Summary is the state of a match without its timeline: small whatever
// the length of the match, so that it is what every fan receives on each
// change.
type Summary struct {
	ID     int64  `json:"id"`
	Sport  string `json:"sport"`
	Status Status `json:"status"`
	Seq    int64  `json:"seq"` // the last event's sequence number, 0 before any
	// Home and Away carry the teams and their scores: goals or points, or
	// sets won in a set-based sport.
	Home TeamState `json:"home"`
	Away TeamState `json:"away"`
	// Period is the current or last period, 1-based; 0 before the first.
	Period     int        `json:"period"`
	PeriodName string     `json:"period_name,omitempty"`
	PeriodKind PeriodKind `json:"period_kind,omitempty"`
	// PeriodOpen is whether the current period is in play (started and
	// neither ended nor, for a set, won).
	PeriodOpen bool          `json:"period_open"`
	Periods    []PeriodScore `json:"periods"` // one per period started (sets for volleyball)
	Clock      Clock         `json:"clock"`
	ShootOut   *Tally        `json:"shoot_out,omitempty"` // once a shoot-out has started
	// Winner is home or away once decided: when the match is finished, or
	// earlier in a set-based sport once a side has won enough sets. It is ""
	// while undecided and for a draw (Status finished, Winner "").
	Winner Side `json:"winner,omitempty"`
}

// TeamState is one side's part of the State.
type TeamState struct {
	Team
	Score int `json:"score"`
	// Cards counts the side's cards by the sport's card key.
	Cards map[string]int `json:"cards,omitempty"`
}

// PeriodScore is what each side scored in one period. For the shoot-out
// period it is the shoot-out tally.
type PeriodScore struct {
	Number int        `json:"number"`
	Name   string     `json:"name"`
	Kind   PeriodKind `json:"kind"`
	Home   int        `json:"home"`
	Away   int        `json:"away"`
	Winner Side       `json:"winner,omitempty"` // set-based sports: who won the set, once won
}

// Tally is a count per side.
type Tally struct {
	Home int `json:"home"`
	Away int `json:"away"`
}

// Clock is the match clock as a value that never needs updating every
// second: it read ElapsedMs at server instant At, and if Running it has
// advanced by the time since At. ElapsedMs is match time, counted up from
// the start of the first period; a sport whose clock counts down shows
// StartMs + LengthMs - elapsed, the time left in the period.
type Clock struct {
	Running   bool      `json:"running"`
	ElapsedMs int64     `json:"elapsed_ms"`
	At        time.Time `json:"at"`
	StartMs   int64     `json:"start_ms"`   // the elapsed time at which the current period starts
	LengthMs  int64     `json:"length_ms"`  // the current period's length; 0 when not timed
	CountDown bool      `json:"count_down"` // whether to show the time left rather than elapsed
}

// ElapsedAt returns the elapsed match time at instant t. It never goes back
// before ElapsedMs, whatever t is.
func (c Clock) ElapsedAt(t time.Time) int64 {
	if !c.Running {
		return c.ElapsedMs
	}
	return c.ElapsedMs + max(0, t.Sub(c.At).Milliseconds())
}

// RemainingAt returns the time left in the current period at instant t,
// never below zero; 0 when the period is not timed.
func (c Clock) RemainingAt(t time.Time) int64 {
	if c.LengthMs == 0 {
		return 0
	}
	return max(0, c.StartMs+c.LengthMs-c.ElapsedAt(t))
}

// start runs the clock from instant t.
func (c *Clock) start(t time.Time) {
	if c.Running {
		return
	}
	c.Running, c.At = true, t
}

// stop stops the clock at instant t, keeping the time it ran.
func (c *Clock) stop(t time.Time) {
	if !c.Running {
		return
	}
	c.ElapsedMs, c.Running, c.At = c.ElapsedAt(t), false, t
}

// set makes the clock read ms at instant t, running or not as it was.
func (c *Clock) set(ms int64, t time.Time) {
	c.ElapsedMs, c.At = ms, t
}
