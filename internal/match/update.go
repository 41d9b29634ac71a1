package match

import (
	"encoding/json"
	"fmt"
)

// Update is what the hub publishes on a match's topic each time its state
// changes: the compact state and the events that changed it (for a void,
// the void event, whose void_seq names the event it cancels), never the
// whole timeline, so that an update stays small however long the match
// runs. A client keeps its own timeline from the events; the full one is in
// the State the API returns.
type Update struct {
	Summary
	Events []Event `json:"events"`
}

// EncodeUpdate returns the JSON that publishes st, changed by events, on the
// match's topic. It is the one encoding of a match update: both stores
// publish it, and the API documents it. Who recorded an event and its
// idempotency key stay out of it, as they stay out of the timeline.
func EncodeUpdate(st State, events ...Event) ([]byte, error) {
	u := Update{Summary: st.Summary, Events: make([]Event, len(events))}
	for i, ev := range events {
		ev.RecordedBy, ev.IdempotencyKey = "", ""
		u.Events[i] = ev
	}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("encode update of match %d: %w", st.ID, err)
	}
	return b, nil
}

// EncodeState returns the JSON a store keeps as a match's state and the API
// returns: st with its timeline and its update id.
func EncodeState(st State) ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode state of match %d: %w", st.ID, err)
	}
	return b, nil
}
