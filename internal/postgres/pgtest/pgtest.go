// Package pgtest gives tests their own PostgreSQL database: a fresh clone of
// a template migrated once, so that tests run in parallel and start fast.
//
// The server is SCOREBOARD_TEST_DATABASE_URL (default the local server,
// DefaultURL). When it does not answer, tests that ask for a database skip
// with one line, or fail if SCOREBOARD_TEST_REQUIRE contains "postgres".
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/testenv"
	"github.com/scoreboard/scoreboard/migrations"
)

// DefaultURL is the server tests use when SCOREBOARD_TEST_DATABASE_URL is
// empty.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// EnvURL names the environment variable that holds the server's URL.
const EnvURL = "SCOREBOARD_TEST_DATABASE_URL"

// templateLockID serializes building the template across test binaries
// that run at once (advisory locks are per database: this one is taken in
// the server's maintenance database).
const templateLockID int64 = 0x73627467746d706c // "sbtgtmpl"

// timeout bounds each step against the server, so that a wedged server
// fails a test rather than hanging it.
const timeout = time.Minute

// server is set up once per test binary: the admin pool that creates and
// drops the test databases, and the template they are cloned from.
var server struct {
	once     sync.Once
	base     *url.URL
	admin    *pgxpool.Pool
	template string
	err      error // the server is unreachable: skip (or fail)
	fatal    error // the server answers but the setup failed: fail
}

// BaseURL returns the server's URL: SCOREBOARD_TEST_DATABASE_URL or
// DefaultURL.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// URL returns the URL of a new database for this test only, migrated to
// the latest version and empty, and drops it when the test ends. When the
// server is unreachable, it skips the test (fails it if
// SCOREBOARD_TEST_REQUIRE contains "postgres").
func URL(t testing.TB) string {
	t.Helper()
	return create(t, true)
}

// EmptyURL is URL for a database with no tables at all, for tests of
// migrations.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, false)
}

// create makes a database for t, a clone of the template if migrated, and
// drops it when t ends.
func create(t testing.TB, migrated bool) string {
	t.Helper()
	server.once.Do(setup)
	if server.err != nil {
		testenv.Missing(t, "postgres", server.err.Error())
	}
	if server.fatal != nil {
		t.Fatalf("prepare PostgreSQL template: %v", server.fatal)
	}
	// The creation time in the name lets a later binary drop what a killed
	// one left (see dropLeftovers).
	name := fmt.Sprintf("%s%d_%s", testPrefix, time.Now().Unix(), randomHex(6))
	template := server.template
	if !migrated {
		template = "template0"
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := server.admin.Exec(ctx, `CREATE DATABASE `+quote(name)+` TEMPLATE `+quote(template)); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		// FORCE: a store the test forgot to close must not leak the
		// database.
		if _, err := server.admin.Exec(ctx, `DROP DATABASE IF EXISTS `+quote(name)+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return dbURL(name)
}

// Open returns a store on a new database for this test only (see URL),
// closed when the test ends.
func Open(t testing.TB, opts postgres.Options) *postgres.DB {
	t.Helper()
	u := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	db, err := postgres.Open(ctx, u, opts)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// setup connects to the server and makes sure the template for the current
// migrations exists.
func setup() {
	base, err := url.Parse(BaseURL())
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		server.fatal = fmt.Errorf("%s must be a postgres:// URL, not %q", EnvURL, BaseURL())
		return
	}
	server.base = base
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(base.String())
	if err != nil {
		server.fatal = fmt.Errorf("parse %s: %w", EnvURL, err)
		return
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		if err = admin.Ping(ctx); err != nil {
			admin.Close()
		}
	}
	if err != nil {
		server.err = fmt.Errorf("PostgreSQL at %s:%d (%s) does not answer: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, EnvURL, err)
		return
	}
	server.admin = admin
	server.template, server.fatal = ensureTemplate(ctx)
	dropLeftovers(ctx)
}

// testPrefix starts the name of every test database.
const testPrefix = "scoreboard_test_"

// leftoverAge is how old a test database must be for dropLeftovers to
// take it for one a killed test binary left: far longer than any test runs.
const leftoverAge = 6 * time.Hour

// dropLeftovers drops the test databases that binaries killed before their
// cleanup left behind. It is best effort: a failure only leaves them.
func dropLeftovers(ctx context.Context) {
	rows, err := server.admin.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, testPrefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		created, _, _ := strings.Cut(strings.TrimPrefix(name, testPrefix), "_")
		sec, err := strconv.ParseInt(created, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)) < leftoverAge {
			continue
		}
		server.admin.Exec(ctx, `DROP DATABASE IF EXISTS `+quote(name)+` WITH (FORCE)`)
	}
}

// ensureTemplate returns the name of the template database for the
// current migrations, building it if no test binary has yet. The name
// carries a hash of the migrations, so a stale template is never used.
func ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "scoreboard_template_" + sum
	conn, err := server.admin.Acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLockID); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, templateLockID)

	// A database that exists but is not yet marked as a template was left
	// half built by a binary that died: build it again.
	var ready bool
	err = conn.QueryRow(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name).Scan(&ready)
	switch {
	case err == nil && ready:
		return name, nil
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("look for template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+quote(name)+` WITH (FORCE)`); err != nil {
		return "", fmt.Errorf("drop half-built template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+quote(name)); err != nil {
		return "", fmt.Errorf("create template %s: %w", name, err)
	}
	if err := migrate(ctx, dbURL(name)); err != nil {
		return "", fmt.Errorf("migrate template %s: %w", name, err)
	}
	// No connections: a clone fails while anyone is connected to its
	// template.
	if _, err := conn.Exec(ctx, `ALTER DATABASE `+quote(name)+` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`); err != nil {
		return "", fmt.Errorf("mark template %s: %w", name, err)
	}
	return name, nil
}

func migrate(ctx context.Context, u string) error {
	db, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Migrate(ctx)
}

// migrationsHash returns a short hash of the PostgreSQL migrations' names
// and contents.
func migrationsHash() (string, error) {
	names, err := fs.Glob(migrations.Postgres, "postgres/*.sql")
	if err != nil {
		return "", fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(migrations.Postgres, n)
		if err != nil {
			return "", fmt.Errorf("read migration %s: %w", n, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// dbURL returns the server's URL with the database set to name.
func dbURL(name string) string {
	u := *server.base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// quote quotes a PostgreSQL identifier.
func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}
