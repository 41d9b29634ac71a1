package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrInUse is returned, wrapped, by LockServing when another running
// server holds the database.
var ErrInUse = errors.New("the SQLite database is served by another running instance")

// LockServing claims the database for this process's server until Close:
// the SQLite store serves one instance only, since its hub hears only its
// own process's commits (hub.Listeners), so a second server on the same
// file would leave its subscribers without the first one's updates. It
// takes an exclusive lock on a file beside the database (PATH.lock; the
// operating system drops it when the process ends, so a crash leaves
// nothing to clean) and fails, wrapping ErrInUse, when another server
// holds it. Short-lived commands (migrate, user add, token api) do not
// call it and keep working while a server runs.
func (db *DB) LockServing() error {
	if db.path == ":memory:" || strings.HasPrefix(db.path, "file:") {
		return nil
	}
	name := db.path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lock sqlite %s for serving: %w", db.path, err)
	}
	locked, err := tryLock(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("lock sqlite %s for serving (%s): %w", db.path, name, err)
	}
	if !locked {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		by := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil && pid > 0 {
			by = fmt.Sprintf("process %d", pid)
		}
		return fmt.Errorf("sqlite %s: %w (%s holds %s): the SQLite store runs one instance only; stop the other one, or use PostgreSQL (DATABASE_URL=postgres://…) to run several instances on one database",
			db.path, ErrInUse, by, name)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	db.lock = f
	return nil
}
