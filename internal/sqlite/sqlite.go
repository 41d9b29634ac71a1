// Package sqlite is the embedded default store (modernc.org/sqlite, no cgo):
// it implements match.Store, match.CompetitionStore, match.AccountStore,
// hub.History and hub.Transport.
//
// The database runs in WAL mode. Writes go through a pool of one connection
// whose transactions begin IMMEDIATE, so concurrent appends queue in Go
// instead of failing with SQLITE_BUSY, and hub updates commit in Seq order;
// reads use a separate pool and never wait for the writer.
//
// It serves one instance only: its hub hears the commits of its own
// process, not another's. A server claims the file (LockServing), and a
// second server on the same file fails to start, saying so; short-lived
// commands such as `scoreboard user add` still work beside it. To run
// several instances, use PostgreSQL.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"runtime"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/migrations"
)

// Options configure a DB.
type Options struct {
	// MatchTopic returns the hub topic of a match (its IRI). Every write of
	// a match's state (CreateMatch, CreateMatches, EditMatch, AppendEvent)
	// publishes it as an update on that topic, and fails without it.
	MatchTopic func(matchID int64) string
	// Logger hears of each migration Migrate applies; nil logs nothing.
	Logger *slog.Logger
}

// DB is the embedded store.
type DB struct {
	write     *pool // one connection, BEGIN IMMEDIATE
	read      *pool
	opts      Options
	logs      match.LogCache
	listeners hub.Listeners // every write that stores a hub update commits through it
	path      string
	lock      *os.File // held by a serving instance (LockServing); nil otherwise
	closeOnce sync.Once
	closeErr  error
}

// The interfaces are the contract; fail the build, not a test, if one
// drifts.
var (
	_ match.Store            = (*DB)(nil)
	_ match.CompetitionStore = (*DB)(nil)
	_ match.AccountStore     = (*DB)(nil)
	_ hub.History            = (*DB)(nil)
	_ hub.Transport          = (*DB)(nil)
)

// Open opens (creating if need be) the database file at path. It does not
// migrate: call Migrate. path must name a file (not ":memory:"): readers and
// the writer are separate connections to it. Options.MatchTopic is needed
// by the writes of a match's state.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path; give a file name such as scoreboard.db")
	}
	write, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer connection is opened first so that it is the one that
	// creates the file and switches it to WAL before any reader arrives.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{write: newPool(write), read: newPool(read), opts: opts, path: path}, nil
}

// dsn builds the driver's connection string: every connection gets the
// same pragmas, since database/sql may open new ones at any time.
func dsn(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", txlock)
	// A file: URI, so that a path holding '?', '#' or '%' is escaped
	// rather than read as URI syntax.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Migrate applies the embedded migrations that have not run yet. goose
// runs each migration in a transaction, and SQLite has one writer at a time;
// when another process migrates the same file at once, a migration it
// applied first makes ours fail, so Migrate looks again and succeeds once
// nothing is pending.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations.SQLite, "sqlite")
	if err != nil {
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write.DB, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	const attempts = 5 // one per migration another process may apply under us
	for i := 1; ; i++ {
		results, err := p.Up(ctx)
		if err == nil {
			if db.opts.Logger != nil {
				for _, r := range results {
					db.opts.Logger.InfoContext(ctx, "migration applied", "version", r.Source.Version,
						"file", path.Base(r.Source.Path), "duration", r.Duration)
				}
			}
			return nil
		}
		pending, perr := p.HasPending(ctx)
		if perr == nil && !pending {
			return nil
		}
		if i == attempts || ctx.Err() != nil {
			return fmt.Errorf("migrate sqlite: %w", err)
		}
	}
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// Close releases the database. Closing twice is harmless.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeErr = errors.Join(db.read.Close(), db.write.Close())
		if db.lock != nil {
			db.lock.Close() // releases the lock
		}
	})
	return db.closeErr
}

// inTx runs fn in one write transaction and commits it if fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Listen hands fn every hub update committed from now on, by AppendUpdate
// or a match write, in Seq order and one call at a time, until stop is
// called (hub.Transport). fn must be quick and must not write to the store.
func (db *DB) Listen(fn func(hub.Update)) (stop func()) { return db.listeners.Listen(fn) }

// micros is how times are stored: PostgreSQL's precision, so that both
// stores give back the same instant.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// now is the server time as the store keeps it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	return isPrimaryKey(err) || hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

// isPrimaryKey reports whether err is a PRIMARY KEY violation.
func isPrimaryKey(err error) bool { return hasCode(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) }

func hasCode(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}
