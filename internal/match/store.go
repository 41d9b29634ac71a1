package match

import (
	"context"
	"slices"
	"strings"
)

// Store keeps matches, their event logs and their folded state, and the
// users who record them. internal/postgres and internal/sqlite implement it
// and pass the same test suite (internal/storetest).
type Store interface {
	// CreateMatch validates in and stores a new scheduled match.
	// Returns EINVALID.
	CreateMatch(ctx context.Context, in MatchInput) (Match, error)
	// Match returns one match. Returns ENOTFOUND.
	Match(ctx context.Context, id int64) (Match, error)
	// Matches returns the matches that pass the filter, by kick-off time.
	Matches(ctx context.Context, f MatchFilter) ([]Match, error)
	// State returns the match's current public state (the fold of its log).
	// Returns ENOTFOUND.
	State(ctx context.Context, id int64) (State, error)
	// Events returns the match's whole log, voided events included, in
	// sequence order. Returns ENOTFOUND.
	Events(ctx context.Context, id int64) ([]Event, error)
	// AppendEvent validates in against the match's current state (see
	// Record) and, in one transaction, appends the event, stores the new
	// state and writes the hub update that publishes it. A retry with an
	// idempotency key already used for the same request returns the original
	// event and the current state; with a different request it returns
	// ECONFLICT. Returns EINVALID, ENOTFOUND, ECONFLICT.
	AppendEvent(ctx context.Context, id int64, in NewEvent) (Event, State, error)

	// CreateUser stores a user. Returns EINVALID, ECONFLICT (email taken).
	CreateUser(ctx context.Context, in UserInput) (User, error)
	// UserByEmail returns one user. Returns ENOTFOUND.
	UserByEmail(ctx context.Context, email string) (User, error)

	// Secret returns the value stored under name, storing generate()'s
	// result first if there is none; concurrent first calls agree on one
	// value. Used for keys generated once and kept in the database.
	Secret(ctx context.Context, name string, generate func() (string, error)) (string, error)

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// MatchFilter narrows Matches. The zero value lists every match.
type MatchFilter struct {
	Status []Status // any of these; empty means all
	Limit  int      // 0 means no limit
}

// Validate checks a filter before a store runs it. Returns EINVALID.
func (f MatchFilter) Validate() error {
	if f.Limit < 0 {
		return Errorf(EINVALID, "limit %d is negative; give 0 for no limit or a positive number", f.Limit)
	}
	for _, s := range f.Status {
		if !slices.Contains(Statuses, s) {
			return Errorf(EINVALID, "unknown status %q; use one of %s", s, joinStatuses(Statuses))
		}
	}
	return nil
}

func joinStatuses(ss []Status) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
