// Package postgres is the PostgreSQL store (pgx), with LISTEN/NOTIFY later:
// it implements match.Store and hub.History.
package postgres

import (
	"context"
	"errors"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// TODO(postgres helper): implement. These signatures are the contract.

// Options configure a DB.
type Options struct {
	// MatchTopic returns the hub topic of a match (its IRI). AppendEvent
	// writes the match's new state as an update on that topic.
	MatchTopic func(matchID int64) string
	// Published is called after commit with each update AppendEvent wrote,
	// so that the hub delivers it. May be nil.
	Published func(hub.Update)
}

// DB is the PostgreSQL store.
type DB struct{}

// Open connects to the PostgreSQL database at url (postgres://…). It does not
// migrate: call Migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	return nil, errors.New("not implemented")
}

// Migrate applies the embedded migrations that have not run yet, under an advisory lock so that instances starting together do not race.
func (db *DB) Migrate(ctx context.Context) error { return errors.New("not implemented") }
