package match

import (
	"errors"
	"time"
)

// TODO(domain helper): implement. These signatures are the contract the stores use.

// Validate checks a match before it is stored. Returns EINVALID.
func (in MatchInput) Validate() error { return errors.New("not implemented") }

// Validate checks a user before it is stored. Returns EINVALID.
func (in UserInput) Validate() error { return errors.New("not implemented") }

// HashPassword hashes a password for storage (bcrypt).
func HashPassword(password string) (string, error) { return "", errors.New("not implemented") }

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool { return false }

// Fold computes the public state of m from its whole log. It never fails:
// every stored log folds.
func Fold(m Match, log []Event) State {
	return State{ID: m.ID, Sport: m.Sport, Status: StatusScheduled}
}

// Record validates in against the state that log folds to and returns the
// event to append (Seq, RecordedAt, ClockMs filled) and the new state.
// Returns ECONFLICT when in.ExpectedSeq is stale, EINVALID for a bad event.
func Record(m Match, log []Event, in NewEvent, now time.Time) (Event, State, error) {
	return Event{}, State{}, errors.New("not implemented")
}

// SameRequest reports whether in asks for the same thing as the stored ev,
// so that a retry with ev's idempotency key can return ev.
func SameRequest(ev Event, in NewEvent) bool { return false }
