package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Secret returns the value stored under name, storing generate()'s result
// first if there is none. The insert does nothing when another caller got
// there first, and everyone returns what the table holds, so concurrent
// first calls agree on one value.
func (db *DB) Secret(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("get secret %q: %w", name, err)
	}
	gen, err := generate()
	if err != nil {
		return "", fmt.Errorf("generate secret %q: %w", name, err)
	}
	err = db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, name, gen, micros(now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("store secret %q: %w", name, err)
	}
	return v, nil
}
