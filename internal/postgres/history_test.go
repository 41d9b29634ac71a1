package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// TestTopicFilterUsesIndex EXPLAINs the replay's page queries filtered by
// a topic that no stored update has, as an anonymous client may ask: with
// the GIN index of migration 00003 PostgreSQL finds the (no) rows through
// it instead of reading the whole history, with the plan of the first
// executions (custom) and with the plan it may cache after (generic).
func TestTopicFilterUsesIndex(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO hub_updates (id, topics, data)
		SELECT 'u' || i, ARRAY['https://example.org/matches/' || (i % 100)], repeat('x', 200)
		FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatalf("fill the history: %v", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE hub_updates`); err != nil {
		t.Fatal(err)
	}
	sizes, rows := postgres.PageQueries(true)
	rare := []string{"https://nothing/1"}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			name, sql string
			args      []any
		}{{"sizes", sizes, []any{int64(0), 500, rare}}, {"rows", rows, []any{int64(0), int64(20000), rare}}} {
			plan := explain(t, ctx, conn, q.sql, q.args...)
			if !strings.Contains(plan, "hub_updates_topics") {
				t.Errorf("%s query, %s: the plan does not use hub_updates_topics:\n%s", q.name, mode, plan)
			}
		}
	}
}

func explain(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	rs, err := conn.Query(ctx, `EXPLAIN `+sql, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	lines, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return strings.Join(lines, "\n")
}
