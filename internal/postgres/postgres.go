// Package postgres is the PostgreSQL store (pgx): it implements
// match.Store, match.CompetitionStore, match.AccountStore, hub.History and
// hub.Transport, the last over LISTEN/NOTIFY so that any number of
// instances share one database and each hub gets every instance's updates
// (see listen.go).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"path"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

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
	// Logger receives a line per migration Migrate applies (nil discards
	// them) and the listening connection's losses and recoveries (nil:
	// slog.Default()).
	Logger *slog.Logger
}

// DB is the PostgreSQL store.
type DB struct {
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig // for the listening connection, which is not the pool's
	opts    Options
	logs    match.LogCache
	relay   relay // every write that stores a hub update commits through it
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

// defaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout, so that an unroutable host fails instead of hanging.
const defaultConnectTimeout = 10 * time.Second

// MigrateLockID is the session advisory lock that Migrate holds while it
// migrates, so that instances starting together take turns (advisory locks
// are per database). It is goose's default, so that the goose CLI run
// against the same database takes turns with them too.
const MigrateLockID = lock.DefaultLockID

// Open connects to the PostgreSQL database at url (postgres://…). It does not
// migrate: call Migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	addr := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", addr, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", addr, err)
	}
	db := &DB{pool: pool, connCfg: cfg.ConnConfig, opts: opts}
	db.relay.db = db
	if db.relay.log = opts.Logger; db.relay.log == nil {
		db.relay.log = slog.Default()
	}
	return db, nil
}

// Migrate applies the embedded migrations that have not run yet, under an
// advisory lock so that instances starting together do not race.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations.Postgres, "postgres")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// goose polls the lock; the shortest period it allows is a second, and
	// five minutes is plenty for any migration another instance runs.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(MigrateLockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if db.opts.Logger != nil {
		for _, r := range results {
			db.opts.Logger.InfoContext(ctx, "migration applied", "version", r.Source.Version,
				"file", path.Base(r.Source.Path), "duration", r.Duration)
		}
	}
	return nil
}

// Ping reports whether the database answers and, while a hub listens,
// whether the instance is listening for the other instances' updates: one
// that is cut off from them is not ready (GET /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping PostgreSQL: %w", err)
	}
	return db.relay.listening()
}

// Close stops listening and releases the database's connections. Closing
// twice is harmless.
func (db *DB) Close() error {
	db.relay.stop()
	db.pool.Close()
	return nil
}

// Pool returns the connection pool, for tools and tests that need SQL the
// store does not offer.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// notFound maps pgx.ErrNoRows to nf, the ENOTFOUND saying what is missing,
// and returns any other error, nil included, as it is.
func notFound(err, nf error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nf
	}
	return err
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation on
// the named constraint or index ("" for any).
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// now is the server time of a write, cut to what timestamptz keeps
// (microseconds) so that what a write returns equals what a read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
