package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Secret returns the value stored under name, storing generate()'s result
// first if there is none. Concurrent first calls may each generate a value,
// but only the first stored is kept and all of them return it.
func (db *DB) Secret(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var value string
	err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	value, err = generate()
	if err != nil {
		return "", fmt.Errorf("generate secret %s: %w", name, err)
	}
	// DO NOTHING, then read: whoever lost the race reads the winner's value.
	if _, err := db.pool.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, value); err != nil {
		return "", fmt.Errorf("store secret %s: %w", name, err)
	}
	if err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value); err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	return value, nil
}
