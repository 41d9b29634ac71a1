package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// pool is a database/sql pool whose queries are prepared once and kept:
// the driver does not cache statements, and parsing and planning each
// statement again took about a quarter of an append's CPU. The store's
// queries are constants (and a few built from a bounded set of filters),
// so a pool keeps at most maxStatements of them; past that a query runs
// unprepared, as before.
//
// A statement is prepared on the pool outside any transaction: preparing
// needs a connection of the pool, and the write pool has one, held by the
// transaction that asks. So a transaction uses what is prepared already,
// and has a query it finds unprepared prepared beside it (prepareLater),
// for the next transaction.
type pool struct {
	*sql.DB
	stmts    sync.Map // query → *sql.Stmt, or preparing while it is being prepared
	prepared atomic.Int32
}

// maxStatements bounds the statements a pool keeps prepared.
const maxStatements = 256

// preparing marks a query whose statement is being prepared.
var preparing = new(sql.Stmt)

func newPool(db *sql.DB) *pool { return &pool{DB: db} }

// stmt returns query's prepared statement, nil when it is not prepared:
// it prepares it first, unless it is being prepared or the pool keeps
// maxStatements already.
func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := p.stmts.Load(query); ok {
		return ready(st)
	}
	if !p.claim(query) {
		return nil
	}
	return p.prepare(ctx, query)
}

// claim reserves query for this caller to prepare.
func (p *pool) claim(query string) bool {
	if p.prepared.Load() >= maxStatements {
		return false
	}
	if _, loaded := p.stmts.LoadOrStore(query, preparing); loaded {
		return false
	}
	if p.prepared.Add(1) > maxStatements { // another claim took the last place meanwhile
		p.stmts.Delete(query)
		p.prepared.Add(-1)
		return false
	}
	return true
}

// prepare prepares query, claimed, and keeps it; nil when it fails (the
// query then runs unprepared and reports what is wrong with it). A
// failure is not kept: the next caller tries again.
func (p *pool) prepare(ctx context.Context, query string) *sql.Stmt {
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		p.stmts.Delete(query)
		p.prepared.Add(-1)
		return nil
	}
	p.stmts.Store(query, st)
	return st
}

// prepareLater has query prepared by a goroutine of its own, unless it
// is prepared, being prepared, or over the bound.
func (p *pool) prepareLater(query string) {
	if p.claim(query) {
		go p.prepare(context.Background(), query)
	}
}

// ready returns st, a value of stmts, unless it marks a statement being
// prepared.
func ready(st any) *sql.Stmt {
	if s := st.(*sql.Stmt); s != preparing {
		return s
	}
	return nil
}

// QueryRowContext runs query, prepared once.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return queryRow(ctx, p.stmt(ctx, query), p.DB, query, args)
}

// QueryContext runs query, prepared once.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryRows(ctx, p.stmt(ctx, query), p.DB, query, args)
}

// ExecContext runs query, prepared once.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return exec(ctx, p.stmt(ctx, query), p.DB, query, args)
}

// BeginTx starts a transaction whose queries use the pool's prepared
// statements.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	t, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: t, p: p}, nil
}

// txn is a transaction of a pool: its queries use the statements the pool
// has prepared (see pool).
type txn struct {
	*sql.Tx
	p *pool
}

// stmt returns query's statement for this transaction, nil when the pool
// has not prepared it yet.
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.p.stmts.Load(query); ok {
		if s := ready(st); s != nil {
			return t.Tx.StmtContext(ctx, s)
		}
		return nil
	}
	t.p.prepareLater(query)
	return nil
}

// QueryRowContext runs query, prepared once.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return queryRow(ctx, t.stmt(ctx, query), t.Tx, query, args)
}

// QueryContext runs query, prepared once.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryRows(ctx, t.stmt(ctx, query), t.Tx, query, args)
}

// ExecContext runs query, prepared once.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return exec(ctx, t.stmt(ctx, query), t.Tx, query, args)
}

// unprepared is what runs a query that has no statement prepared: a
// *sql.DB or a *sql.Tx.
type unprepared interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// queryRow runs query's statement st, or query through u when st is nil.
func queryRow(ctx context.Context, st *sql.Stmt, u unprepared, query string, args []any) *sql.Row {
	if st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return u.QueryRowContext(ctx, query, args...)
}

// queryRows is queryRow for a query of several rows.
func queryRows(ctx context.Context, st *sql.Stmt, u unprepared, query string, args []any) (*sql.Rows, error) {
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return u.QueryContext(ctx, query, args...)
}

// exec is queryRow for a statement that returns no rows.
func exec(ctx context.Context, st *sql.Stmt, u unprepared, query string, args []any) (sql.Result, error) {
	if st != nil {
		return st.ExecContext(ctx, args...)
	}
	return u.ExecContext(ctx, query, args...)
}
