// Package sqlite is the embedded default store (modernc.org/sqlite, no cgo):
// it implements match.Store and hub.History.
package sqlite

import (
	"context"
	"errors"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// TODO(sqlite helper): implement. These signatures are the contract.

// Options configure a DB.
type Options struct {
	// MatchTopic returns the hub topic of a match (its IRI). AppendEvent
	// writes the match's new state as an update on that topic.
	MatchTopic func(matchID int64) string
	// Published is called after commit with each update AppendEvent wrote,
	// so that the hub delivers it. May be nil.
	Published func(hub.Update)
}

// DB is the embedded store.
type DB struct{}

// Open opens (creating if need be) the database file at path. It does not
// migrate: call Migrate.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	return nil, errors.New("not implemented")
}

// Migrate applies the embedded migrations that have not run yet.
func (db *DB) Migrate(ctx context.Context) error { return errors.New("not implemented") }
