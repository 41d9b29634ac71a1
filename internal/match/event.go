package match

import "time"

// EventKind says what happened.
type EventKind string

// The kinds of event.
const (
	KindMatchStart      EventKind = "match_start"
	KindMatchEnd        EventKind = "match_end"
	KindPeriodStart     EventKind = "period_start"
	KindPeriodEnd       EventKind = "period_end"
	KindClockStart      EventKind = "clock_start"
	KindClockStop       EventKind = "clock_stop"
	KindClockAdjust     EventKind = "clock_adjust"
	KindScore           EventKind = "score"
	KindCard            EventKind = "card"
	KindSubstitution    EventKind = "substitution"
	KindTimeout         EventKind = "timeout"
	KindScoreCorrection EventKind = "score_correction"
	KindNote            EventKind = "note"
	KindVoid            EventKind = "void"
	KindPostpone        EventKind = "postpone"
	KindCancel          EventKind = "cancel"
)

// EventDetail is the part of an event that the recorder chooses; which
// fields apply depends on the kind. It is stored as JSON. Team is the side
// of the player concerned: a score kind that counts for the opponent (an
// own goal) credits the other side. Period 0 means the next period for
// period_start and the current one for period_end. A score_correction sets
// the match score, or in a set-based sport the current set's points.
type EventDetail struct {
	Team       Side   `json:"team,omitempty"`         // score, card, substitution, timeout
	ScoreKind  string `json:"score_kind,omitempty"`   // score: one of the sport's ScoreKinds
	Player     string `json:"player,omitempty"`       // score, card, substitution (player off)
	Assist     string `json:"assist,omitempty"`       // score
	PlayerIn   string `json:"player_in,omitempty"`    // substitution
	Card       string `json:"card,omitempty"`         // card: one of the sport's Cards
	Period     int    `json:"period,omitempty"`       // period_start, period_end: 1-based
	SetClockMs *int64 `json:"set_clock_ms,omitempty"` // clock_adjust: the elapsed time to set
	Home       *int   `json:"home,omitempty"`         // score_correction: the score to set
	Away       *int   `json:"away,omitempty"`         // score_correction
	Text       string `json:"text,omitempty"`         // note, and the reason of a void or correction
	VoidSeq    int64  `json:"void_seq,omitempty"`     // void: the event it cancels
}

// Appended is what Store.AppendEvent did: the event and the state it
// left. Retry says that the request was a retry of one already recorded
// (its idempotency key was in the log), answered with the event that
// request recorded: nothing was appended or published.
type Appended struct {
	Event Event
	State State
	Retry bool
}

// NewEvent is a request to append an event.
type NewEvent struct {
	Kind EventKind `json:"kind"`
	EventDetail
	// IdempotencyKey is chosen by the client; a retry with the same key
	// returns the original event instead of appending a duplicate.
	IdempotencyKey string `json:"idempotency_key"`
	// ExpectedSeq, if set, is the sequence number the client last saw; if
	// the log has moved on, the append fails with ECONFLICT.
	ExpectedSeq *int64 `json:"expected_seq,omitempty"`
	// RecordedBy names who records it (a user's email, an API token's owner).
	RecordedBy string `json:"-"`
}

// Event is one entry of a match's append-only log.
type Event struct {
	MatchID int64     `json:"match_id"`
	Seq     int64     `json:"seq"` // gapless, from 1
	Kind    EventKind `json:"kind"`
	EventDetail
	RecordedAt     time.Time `json:"recorded_at"` // server time
	ClockMs        int64     `json:"clock_ms"`    // the match clock when it was recorded
	RecordedBy     string    `json:"recorded_by,omitempty"`
	IdempotencyKey string    `json:"-"`
}
