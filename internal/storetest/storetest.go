// Package storetest is the one test suite that every store passes: the
// embedded SQLite store and PostgreSQL run the same tests.
package storetest

import (
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// TODO(sqlite helper): write the suite. These signatures are the contract.

// Store is what a store implements: the domain's Store and the hub's History.
type Store interface {
	match.Store
	hub.History
}

// Config is what the suite asks an Opener for.
type Config struct {
	// Path names the database to open; the same Path opens the same data,
	// so a test can close a store and reopen it. "" means a fresh database.
	Path      string
	Topic     func(matchID int64) string
	Published func(hub.Update)
}

// Opener opens a store for one test and returns it with the Path that
// reopens it. The opener registers the store's Close with t.Cleanup only if
// the suite does not close it itself (closing twice must be harmless).
type Opener func(t *testing.T, c Config) (Store, string)

// Run runs the whole suite against the stores open makes.
func Run(t *testing.T, open Opener) { t.Skip("storetest: not written yet") }
