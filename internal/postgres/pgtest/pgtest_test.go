package pgtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// TestDatabases checks that every call gives a database of its own, that
// URL's is migrated and EmptyURL's is empty.
func TestDatabases(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b, empty := pgtest.URL(t), pgtest.URL(t), pgtest.EmptyURL(t)
	if a == b || a == empty {
		t.Fatalf("got URLs %s, %s, %s; want three different databases", a, b, empty)
	}
	connect := func(u string) *pgx.Conn {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect to %s: %v", u, err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}
	ca, cb, ce := connect(a), connect(b), connect(empty)

	if _, err := ca.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ('k', 'only in a')`); err != nil {
		t.Fatalf("write to a migrated database: %v", err)
	}
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM secrets`).Scan(&n); err != nil {
		t.Fatalf("read another migrated database: %v", err)
	}
	if n != 0 {
		t.Errorf("secrets in database b: got %d rows, want 0 (a's write must not show)", n)
	}
	var table *string
	if err := ce.QueryRow(ctx, `SELECT to_regclass('secrets')::text`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	if table != nil {
		t.Errorf("EmptyURL's database has table %s; want no tables", *table)
	}
}

// TestDropped checks that a test's database is gone once the test ends.
func TestDropped(t *testing.T) {
	t.Parallel()
	var u string
	t.Run("user", func(t *testing.T) { u = pgtest.URL(t) })
	if u == "" {
		t.Skip("no database was created")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		conn.Close(ctx)
		t.Fatalf("connect to %s after its test ended: got nil error, want the database dropped", u)
	}
}
