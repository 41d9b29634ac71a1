package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openPool opens a pool of its own on a fresh database file, with as
// many connections as the store's write pool: one.
func openPool(t *testing.T) *pool {
	t.Helper()
	raw, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "db"), "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	p := newPool(raw)
	if _, err := p.ExecContext(t.Context(), `CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	return p
}

// kept reports whether the pool keeps query prepared.
func (p *pool) kept(query string) bool {
	st, ok := p.stmts.Load(query)
	return ok && ready(st) != nil
}

// A query run on the pool is prepared once and kept; one a transaction
// runs first is prepared beside it, for the next, without waiting for the
// pool's one connection, which the transaction holds.
func TestPoolKeepsStatements(t *testing.T) {
	ctx := t.Context()
	p := openPool(t)
	insert := `INSERT INTO t (v) VALUES (?)`
	for i := range 3 {
		if _, err := p.ExecContext(ctx, insert, i); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if !p.kept(insert) {
		t.Errorf("got %q not kept after 3 runs, want it prepared", insert)
	}
	count := `SELECT count(*) FROM t WHERE v >= ?`
	for i := range 2 {
		tx, err := p.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, count, 1).Scan(&n); err != nil || n != 2 {
			t.Fatalf("transaction %d: got %d, %v; want 2, nil", i, n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); i == 0 && !p.kept(count) && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !p.kept(count) {
		t.Errorf("got %q not kept after a transaction ran it, want it prepared beside it", count)
	}
}

// A pool keeps at most maxStatements; past them, and for a query that
// does not prepare, it runs the query unprepared: every answer and every
// error is the driver's.
func TestPoolBound(t *testing.T) {
	ctx := t.Context()
	p := openPool(t)
	bad := `SELEC 1`
	if _, err := p.ExecContext(ctx, bad); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("%q: got %v, want the driver's syntax error", bad, err)
	}
	if _, ok := p.stmts.Load(bad); ok {
		t.Errorf("got %q kept, want a failed preparation forgotten", bad)
	}
	for i := range maxStatements + 20 {
		var got int
		if err := p.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&got); err != nil || got != i {
			t.Fatalf("query %d: got %d, %v; want %d, nil", i, got, err, i)
		}
	}
	n := 0
	p.stmts.Range(func(any, any) bool { n++; return true })
	if n > maxStatements || int(p.prepared.Load()) != n {
		t.Errorf("got %d statements kept (%d counted), want at most %d", n, p.prepared.Load(), maxStatements)
	}
}
