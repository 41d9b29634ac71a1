package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// historyLockID is the transaction advisory lock every insert into
// hub_updates takes, in the statement that draws its seq, which is the
// last before commit (insertUpdateQuery). Holding it from nextval to
// commit makes the order of seq the order of commits, which is what
// History promises and what the relay (listen.go) and resuming by
// Last-Event-ID rely on: a later seq is never visible before an earlier
// one (TestConcurrentPublishesAreSeenInSeqOrder fails without it).
//
// It is kept, rather than replaced by a watermark of in-flight seqs,
// because it costs little beyond what PostgreSQL imposes anyway: a
// transaction that NOTIFYs takes a global lock at commit, held until its
// commit is flushed, so that notifications queue in commit order; commits
// of hub updates are serialized, fsync included, with or without ours.
// Ours adds the one round trip of insertUpdateQuery (it added three
// before the lock, insert and notify became one statement). Measured by
// BenchmarkAppendUpdateParallel (16 publishers, 2 CPUs, the PostgreSQL
// server shared with other test runs, load average 10-11, so the ranges
// are wide): with the lock 125-316 commits/s (three statements:
// 0.5-650), and 85-1215 with a copy of the statement without the lock,
// kept out of the code once measured.
// (The value is arbitrary; it only has to differ from MigrateLockID.)
const historyLockID int64 = 0x73636f7265627264 // "scorebrd"

// pageSize bounds how many updates UpdatesAfter reads at once, so that a
// long replay neither holds a connection while fn writes to a slow
// subscriber nor loads the whole history in memory.
const pageSize = 500

// pageBytes bounds the data of one page beyond its first update.
const pageBytes = 1 << 20

// updateColumns are what scanUpdate reads, in its order.
const updateColumns = `seq, id, topics, data, private, type, retry, coalescing`

func scanUpdate(row pgx.Row) (hub.Update, error) {
	var u hub.Update
	err := row.Scan(&u.Seq, &u.ID, &u.Topics, &u.Data, &u.Private, &u.Type, &u.Retry, &u.Coalesce)
	return u, err
}

// AppendUpdate stores u (generating its ID when empty) and returns it with
// Seq set, after handing it to this instance's listeners (Listen). Updates commit in
// Seq order. It refuses an update without a topic, and one whose ID is
// stored already (hub.ErrDuplicateID).
func (db *DB) AppendUpdate(ctx context.Context, u hub.Update) (hub.Update, error) {
	if u.ID == "" {
		u.ID = hub.NewID()
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return hub.Update{}, fmt.Errorf("append update: begin: %w", err)
	}
	defer tx.Rollback(ctx) // a no-op after commit
	if u, err = insertUpdate(ctx, tx, u); err != nil {
		return hub.Update{}, fmt.Errorf("append update: %w", err)
	}
	if err := db.commit(ctx, tx, u); err != nil {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, err)
	}
	return u, nil
}

// commit commits tx, which stored us, and hands us to this instance's
// listeners at once (the fast path, see listen.go); the other instances
// hear of them through their notifications.
func (db *DB) commit(ctx context.Context, tx pgx.Tx, us ...hub.Update) error {
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.relay.committed(us)
	return nil
}

// insertUpdate stores u within tx, which must commit right after: in one
// statement, it takes the history's lock, held until then, draws u's seq
// and sends u's notification, which every listening instance gets at
// commit.
func insertUpdate(ctx context.Context, tx pgx.Tx, u hub.Update) (hub.Update, error) {
	if len(u.Topics) == 0 {
		return hub.Update{}, fmt.Errorf("update %s has no topic; give it at least one", u.ID)
	}
	err := tx.QueryRow(ctx, insertUpdateQuery, u.ID, u.Topics, u.Data, u.Private, u.Type, u.Retry, now(),
		notifyChannel, notifyTail(u), historyLockID, u.Coalesce).Scan(&u.Seq, nil)
	if isUniqueViolation(err, "") {
		return hub.Update{}, fmt.Errorf("update %s: %w", u.ID, hub.ErrDuplicateID)
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("insert update: %w", err)
	}
	return u, nil
}

// insertUpdateQuery is insertUpdate's statement. The lock is a
// materialized CTE that the insert selects its row from, so that it is
// taken before nextval draws the seq (the default of a row that does not
// exist before the lock's row does); the notification is the whole
// update when $9 carries it (see notifyTail). One statement rather than
// three: the lock is held for one round trip and the commit's, not three
// and the commit's.
const insertUpdateQuery = `
	WITH lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($10::bigint)),
	ins AS (
		INSERT INTO hub_updates (id, topics, data, private, type, retry, created_at, coalescing)
		SELECT $1::text, $2::text[], $3::text, $4::boolean, $5::text, $6::bigint, $7::timestamptz, $11::boolean FROM lock
		RETURNING seq)
	SELECT seq, pg_notify($8, '{"Seq":' || seq || $9::text) FROM ins`

// UpdatesAfter calls fn, in Seq order, for every stored update after the
// one whose ID is lastID (hub.EarliestID: all of them); when topics is not
// nil, only for those with one of topics (canonical or alternate). It
// stops at fn's first error, which it returns, and returns
// hub.ErrUnknownEventID if lastID is not in the history.
func (db *DB) UpdatesAfter(ctx context.Context, lastID string, topics []string, fn func(hub.Update) error) error {
	var after int64
	if lastID != hub.EarliestID {
		err := db.pool.QueryRow(ctx, `SELECT seq FROM hub_updates WHERE id = $1`, lastID).Scan(&after)
		if errors.Is(err, pgx.ErrNoRows) {
			return hub.ErrUnknownEventID
		}
		if err != nil {
			return fmt.Errorf("find update %s: %w", lastID, err)
		}
	}
	for {
		page, more, err := db.updatesPage(ctx, after, topics)
		if err != nil {
			return fmt.Errorf("read updates after %d: %w", after, err)
		}
		for _, u := range page {
			if err := fn(u); err != nil {
				return err
			}
			after = u.Seq
		}
		if !more {
			return nil
		}
	}
}

// updatesPage reads the next page after seq after: at most pageSize
// updates and, past the first, pageBytes of data, so that a replay holds
// a bounded amount of memory whatever the updates weigh; more says
// whether another page may follow. The sizes are read first, without the
// data (octet_length does not detoast). A nil topics selects every topic.
func (db *DB) updatesPage(ctx context.Context, after int64, topics []string) (page []hub.Update, more bool, err error) {
	sizes, rowsQuery := pageQueries(topics != nil)
	args := []any{after, pageSize}
	if topics != nil {
		args = append(args, topics)
	}
	rows, err := db.pool.Query(ctx, sizes, args...)
	if err != nil {
		return nil, false, err
	}
	var upto, total int64
	n := 0
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			rows.Close()
			return nil, false, err
		}
		if n > 0 && total+size > pageBytes {
			more = true
			break
		}
		upto, total, n = seq, total+size, n+1
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return nil, false, err
	}
	more = more || n == pageSize
	args[1] = upto
	rows, err = db.pool.Query(ctx, rowsQuery, args...)
	if err != nil {
		return nil, false, err
	}
	page, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.Update, error) { return scanUpdate(row) })
	return page, more, err
}

// pageQueries are updatesPage's two queries: the sizes of the next page
// after $1, at most $2 rows; then the updates after $1 up to seq $2. When
// filtered, both keep only the updates with one of the topics $3. The
// filter is there or not, rather than a `$3 IS NULL OR`, so that
// PostgreSQL can use the GIN index on topics (migration 00003) for a
// rare topic, whatever plan it caches for the statement.
func pageQueries(filtered bool) (sizes, rows string) {
	filter := ""
	if filtered {
		filter = ` AND topics && $3`
	}
	return `SELECT seq, octet_length(data) FROM hub_updates WHERE seq > $1` + filter + ` ORDER BY seq LIMIT $2`,
		`SELECT ` + updateColumns + ` FROM hub_updates WHERE seq > $1 AND seq <= $2` + filter + ` ORDER BY seq`
}

// UpdateByID returns the stored update whose ID is id, or an error
// wrapping hub.ErrUnknownEventID when there is none.
func (db *DB) UpdateByID(ctx context.Context, id string) (hub.Update, error) {
	u, err := scanUpdate(db.pool.QueryRow(ctx, `SELECT `+updateColumns+` FROM hub_updates WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return hub.Update{}, fmt.Errorf("update %q: %w", id, hub.ErrUnknownEventID)
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("read update %q: %w", id, err)
	}
	return u, nil
}

// LastUpdate returns the newest stored update, or a zero Update when there
// is none.
func (db *DB) LastUpdate(ctx context.Context) (hub.Update, error) {
	u, err := scanUpdate(db.pool.QueryRow(ctx, `SELECT `+updateColumns+` FROM hub_updates ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return hub.Update{}, nil
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("read last update: %w", err)
	}
	return u, nil
}

// HistorySpan returns the seqs of the oldest and newest updates of the
// history, both 0 when it is empty: two lookups of its primary key,
// however long the history is (GET /metrics reads it at every scrape).
func (db *DB) HistorySpan(ctx context.Context) (oldest, newest int64, err error) {
	// one min and one max, each its own subquery, as in SQLite
	err = db.pool.QueryRow(ctx, `SELECT coalesce((SELECT min(seq) FROM hub_updates), 0), coalesce((SELECT max(seq) FROM hub_updates), 0)`).Scan(&oldest, &newest)
	if err != nil {
		return 0, 0, fmt.Errorf("read the span of the history: %w", err)
	}
	return oldest, newest, nil
}

// LastUpdates returns the newest stored updates, oldest first: at most n,
// whose data add up to at most maxBytes (none when the newest alone is
// larger). The sizes are read first, without the data.
func (db *DB) LastUpdates(ctx context.Context, n int, maxBytes int64) ([]hub.Update, error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, octet_length(data) FROM hub_updates ORDER BY seq DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("read the last %d updates: %w", n, err)
	}
	var from, to, total int64
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read the last %d updates: %w", n, err)
		}
		if total+size > maxBytes {
			break
		}
		total += size
		if to == 0 {
			to = seq
		}
		from = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil || to == 0 {
		return nil, err
	}
	rows, err = db.pool.Query(ctx, `SELECT `+updateColumns+` FROM hub_updates WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read the last %d updates: %w", n, err)
	}
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.Update, error) { return scanUpdate(row) })
	if err != nil {
		return nil, fmt.Errorf("read the last %d updates: %w", n, err)
	}
	return us, nil
}

// PruneUpdates deletes all but the newest keep updates, and those stored
// before before, in one transaction. keep <= 0 sets no bound on the count,
// and a zero before none on the age.
func (db *DB) PruneUpdates(ctx context.Context, keep int, before time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if keep > 0 {
			if _, err := tx.Exec(ctx, `
				DELETE FROM hub_updates WHERE seq <= (
					SELECT seq FROM hub_updates ORDER BY seq DESC OFFSET $1 LIMIT 1)`, keep); err != nil {
				return fmt.Errorf("prune updates beyond the newest %d: %w", keep, err)
			}
		}
		if !before.IsZero() {
			if _, err := tx.Exec(ctx, `DELETE FROM hub_updates WHERE created_at < $1`, before); err != nil {
				return fmt.Errorf("prune updates older than %s: %w", before.Format(time.RFC3339), err)
			}
		}
		return nil
	})
}
