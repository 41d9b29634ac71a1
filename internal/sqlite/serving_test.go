package sqlite_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// TestLockServing checks that a second server on one SQLite file is
// refused with a message that names the file and points to PostgreSQL,
// that a short-lived command (a plain Open) still works beside the
// server, and that the file is free again once the server closes.
func TestLockServing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "scoreboard.db")
	first := openDB(t, path, sqlite.Options{})
	if err := first.LockServing(); err != nil {
		t.Fatalf("first LockServing: %v", err)
	}
	second := openDB(t, path, sqlite.Options{})
	err := second.LockServing()
	if !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("second LockServing: got %v, want an error wrapping ErrInUse", err)
	}
	for _, part := range []string{path, path + ".lock", "PostgreSQL", "one instance"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("second LockServing: error %q does not contain %q", err, part)
		}
	}
	// A command such as `scoreboard user add` opens the file beside the
	// server and writes.
	if _, err := second.Secret(t.Context(), "beside the server", func() (string, error) { return "v", nil }); err != nil {
		t.Fatalf("write beside the server: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := second.LockServing(); err != nil {
		t.Fatalf("LockServing after the first server closed: %v", err)
	}
}
