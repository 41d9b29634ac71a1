package postgres_test

import (
	"testing"

	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/storetest"
)

// BenchmarkStore runs the stores' shared append benchmarks on PostgreSQL,
// each in a fresh database.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store {
		return pgtest.Open(b, postgres.Options{MatchTopic: storetest.Topic})
	})
}
