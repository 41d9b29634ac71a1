package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestSQLiteServesOneInstance checks that a second server on one SQLite
// file fails to start, naming the file and pointing to PostgreSQL, while
// `scoreboard user add` still works beside the running server.
func TestSQLiteServesOneInstance(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	c, err := loadConfig(testEnv(vars))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	first, err := newApp(ctx, c, logger)
	if err != nil {
		t.Fatalf("first server: %v", err)
	}
	defer first.Close()
	second, err := newApp(ctx, c, logger)
	if err == nil {
		second.Close()
		t.Fatal("second server on the same SQLite file: got nil error, want a refusal")
	}
	for _, part := range []string{c.DB.Path, "PostgreSQL", "one instance"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("second server: error %q does not contain %q", err, part)
		}
	}
	if r := runCmd(t, vars, "", "user", "add", "--email", "ada@example.org", "--role", "admin"); r.err != nil {
		t.Fatalf("user add beside the server: %v; stderr:\n%s", r.err, r.stderr)
	}
}
