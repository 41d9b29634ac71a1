package web

import (
	"context"

	"github.com/scoreboard/scoreboard/internal/match"
)

// Pinger is what readiness needs from the store: whether the database
// answers (GET /readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Store is everything the web layer asks of the database: the domain's
// stores and a ping. Both internal/sqlite and internal/postgres are one.
type Store interface {
	Pinger
	match.Store
	match.CompetitionStore
	match.AccountStore
}
