package postgres_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"

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

// BenchmarkAppendUpdateParallel publishes updates of 200 B from 8
// goroutines per CPU through AppendUpdate (insert, notify, commit, the
// relay's fast path with a listener), the history's lock included.
func BenchmarkAppendUpdateParallel(b *testing.B) {
	db := pgtest.Open(b, postgres.Options{MatchTopic: storetest.Topic})
	var heard atomic.Int64
	stop := db.Listen(func(hub.Update) { heard.Add(1) })
	defer stop()
	data := strings.Repeat("x", 200)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.AppendUpdate(context.Background(), hub.Update{Topics: []string{"https://example.com/bench"}, Data: data}); err != nil {
				b.Errorf("AppendUpdate: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
