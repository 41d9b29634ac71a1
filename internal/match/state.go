package match

import "time"

// State is the public state of a match: a pure fold of its log (Fold). It is
// what the API returns and what the hub publishes on the match's topic.
type State struct {
	ID       int64         `json:"id"`
	Sport    string        `json:"sport"`
	Status   Status        `json:"status"`
	Seq      int64         `json:"seq"` // the last event's sequence number, 0 before any
	Home     TeamState     `json:"home"`
	Away     TeamState     `json:"away"`
	Period   int           `json:"period"`  // the current or last period, 1-based; 0 before the first
	Periods  []PeriodScore `json:"periods"` // one per period started (sets for volleyball)
	Clock    Clock         `json:"clock"`
	Winner   Side          `json:"winner,omitempty"` // once decided: home or away; "" for a draw or undecided
	Timeline []Event       `json:"timeline"`         // the events that still count, voids excluded
}

// TeamState is one side's part of the State.
type TeamState struct {
	Team
	Score int `json:"score"`
}

// PeriodScore is what each side scored in one period.
type PeriodScore struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	Home   int    `json:"home"`
	Away   int    `json:"away"`
}

// Clock is the match clock as a value that never needs updating every
// second: it read ElapsedMs at server instant At, and if Running it has
// advanced by the time since At.
type Clock struct {
	Running   bool      `json:"running"`
	ElapsedMs int64     `json:"elapsed_ms"`
	At        time.Time `json:"at"`
}
