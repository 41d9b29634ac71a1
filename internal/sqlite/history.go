package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// updateColumns are the columns scanUpdate reads, in its order.
const updateColumns = `seq, id, topics, data, private, type, retry, coalescing`

// replayBatch is how many updates UpdatesAfter reads at a time, so that a
// slow fn never holds a read transaction open over the whole history;
// replayBytes bounds the data of one batch beyond its first update.
const (
	replayBatch = 256
	replayBytes = 1 << 20
)

func scanUpdate(row scanner) (hub.Update, error) {
	var u hub.Update
	var topics string
	if err := row.Scan(&u.Seq, &u.ID, &topics, &u.Data, &u.Private, &u.Type, &u.Retry, &u.Coalesce); err != nil {
		return hub.Update{}, err
	}
	if err := json.Unmarshal([]byte(topics), &u.Topics); err != nil {
		return hub.Update{}, fmt.Errorf("decode topics of update %d: %w", u.Seq, err)
	}
	return u, nil
}

// AppendUpdate stores u (with a new id if it has none) and returns it with
// Seq set, after handing it to the listeners (Listen). Writes are
// serialized, so updates commit in Seq order. It refuses an update without
// a topic, and one whose ID is stored already (hub.ErrDuplicateID).
func (db *DB) AppendUpdate(ctx context.Context, u hub.Update) (hub.Update, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return hub.Update{}, fmt.Errorf("append update: begin: %w", err)
	}
	if u, err = insertUpdate(ctx, tx, u); err != nil {
		tx.Rollback()
		return hub.Update{}, err
	}
	if err := db.listeners.Commit(tx.Commit, u); err != nil {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, err)
	}
	return u, nil
}

// insertUpdate is the one place that writes hub updates: AppendUpdate and
// every match write's transaction (writeState) use it.
func insertUpdate(ctx context.Context, tx *txn, u hub.Update) (hub.Update, error) {
	if u.ID == "" {
		u.ID = hub.NewID()
	}
	if len(u.Topics) == 0 {
		return hub.Update{}, fmt.Errorf("append update %s: an update needs at least one topic", u.ID)
	}
	topics, err := json.Marshal(u.Topics)
	if err != nil {
		return hub.Update{}, fmt.Errorf("append update %s: encode topics: %w", u.ID, err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO hub_updates (id, topics, data, private, type, retry, created_at, coalescing)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		u.ID, string(topics), u.Data, u.Private, u.Type, u.Retry, micros(now()), u.Coalesce).Scan(&u.Seq)
	if isUnique(err) {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, hub.ErrDuplicateID)
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, err)
	}
	return u, nil
}

// UpdatesAfter calls fn, in Seq order, for every stored update after the
// one whose ID is lastID (hub.EarliestID: all of them); when topics is not
// nil, only for those with one of topics (canonical or alternate). It
// returns hub.ErrUnknownEventID if lastID is not in the history, and fn's
// first error as it is.
func (db *DB) UpdatesAfter(ctx context.Context, lastID string, topics []string, fn func(hub.Update) error) error {
	var after int64
	if lastID != hub.EarliestID {
		err := db.read.QueryRowContext(ctx, `SELECT seq FROM hub_updates WHERE id = ?`, lastID).Scan(&after)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("updates after %q: %w", lastID, hub.ErrUnknownEventID)
		}
		if err != nil {
			return fmt.Errorf("updates after %q: %w", lastID, err)
		}
	}
	filter, args := "", []any(nil)
	if topics != nil {
		list, err := json.Marshal(topics)
		if err != nil {
			return fmt.Errorf("updates after %q: encode topics: %w", lastID, err)
		}
		// No index can serve this filter: SQLite indexes columns and
		// expressions of one row, not the elements of a JSON array that
		// json_each yields, so PostgreSQL's GIN index on topics (its
		// migration 00003) has no counterpart here. Serving it would take
		// a table of (topic, seq) pairs written beside every update; the
		// embedded store is for one small instance, where the ring of
		// recent updates serves resumptions and the replays' turns bound
		// the scans.
		filter = ` AND EXISTS (SELECT 1 FROM json_each(hub_updates.topics) WHERE value IN (SELECT value FROM json_each(?)))`
		args = []any{string(list)}
	}
	for {
		batch, more, err := db.updatesBatch(ctx, after, filter, args)
		if err != nil {
			return fmt.Errorf("updates after %q: %w", lastID, err)
		}
		for _, u := range batch {
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

// updatesBatch reads the next page after seq after: at most replayBatch
// updates and, past the first, replayBytes of data, so that a replay
// holds a bounded amount of memory whatever the updates weigh; more says
// whether another batch may follow. The sizes are read first, without
// the data; filter and args select by topic.
func (db *DB) updatesBatch(ctx context.Context, after int64, filter string, args []any) (batch []hub.Update, more bool, err error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, octet_length(data) FROM hub_updates
		WHERE seq > ?`+filter+` ORDER BY seq LIMIT ?`, append(append([]any{after}, args...), replayBatch)...)
	if err != nil {
		return nil, false, err
	}
	upto, n, more, err := pageEnd(rows)
	if err != nil || n == 0 {
		return nil, false, err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT `+updateColumns+` FROM hub_updates
		WHERE seq > ? AND seq <= ?`+filter+` ORDER BY seq`, append([]any{after, upto}, args...)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	batch = make([]hub.Update, 0, n)
	for rows.Next() {
		u, err := scanUpdate(rows)
		if err != nil {
			return nil, false, err
		}
		batch = append(batch, u)
	}
	return batch, more, rows.Err()
}

// pageEnd reads (seq, size) rows, at most replayBatch, and returns the seq
// that ends a page of at most replayBytes (at least one update), how many
// it holds, and whether more may follow it.
func pageEnd(rows *sql.Rows) (upto int64, n int, more bool, err error) {
	defer rows.Close()
	var total int64
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			return 0, 0, false, err
		}
		if n > 0 && total+size > replayBytes {
			return upto, n, true, nil
		}
		upto, total, n = seq, total+size, n+1
	}
	return upto, n, n == replayBatch, rows.Err()
}

// UpdateByID returns the stored update whose ID is id, or an error
// wrapping hub.ErrUnknownEventID when there is none.
func (db *DB) UpdateByID(ctx context.Context, id string) (hub.Update, error) {
	u, err := scanUpdate(db.read.QueryRowContext(ctx, `SELECT `+updateColumns+` FROM hub_updates WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return hub.Update{}, fmt.Errorf("update %q: %w", id, hub.ErrUnknownEventID)
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("update %q: %w", id, err)
	}
	return u, nil
}

// LastUpdate returns the newest stored update, or a zero Update when there
// is none.
func (db *DB) LastUpdate(ctx context.Context) (hub.Update, error) {
	u, err := scanUpdate(db.read.QueryRowContext(ctx, `SELECT `+updateColumns+` FROM hub_updates
		ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return hub.Update{}, nil
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("last update: %w", err)
	}
	return u, nil
}

// HistorySpan returns the seqs of the oldest and newest updates of the
// history, both 0 when it is empty: two lookups of its primary key,
// however long the history is (GET /metrics reads it at every scrape).
func (db *DB) HistorySpan(ctx context.Context) (oldest, newest int64, err error) {
	// one min and one max, each its own subquery: SQLite reads a lone min
	// or max from the index, and would scan the table for both in one select
	err = db.read.QueryRowContext(ctx, `SELECT coalesce((SELECT min(seq) FROM hub_updates), 0), coalesce((SELECT max(seq) FROM hub_updates), 0)`).Scan(&oldest, &newest)
	if err != nil {
		return 0, 0, fmt.Errorf("read the span of the history: %w", err)
	}
	return oldest, newest, nil
}

// LastUpdates returns the newest stored updates, oldest first: at most n,
// whose data add up to at most maxBytes (none when the newest alone is
// larger). The sizes are read first, without the data.
func (db *DB) LastUpdates(ctx context.Context, n int, maxBytes int64) ([]hub.Update, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, octet_length(data) FROM hub_updates ORDER BY seq DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("last %d updates: %w", n, err)
	}
	from, to, err := newestWithin(rows, maxBytes)
	if err != nil || to == 0 {
		return nil, err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT `+updateColumns+` FROM hub_updates WHERE seq >= ? AND seq <= ? ORDER BY seq`, from, to)
	if err != nil {
		return nil, fmt.Errorf("last %d updates: %w", n, err)
	}
	defer rows.Close()
	var us []hub.Update
	for rows.Next() {
		u, err := scanUpdate(rows)
		if err != nil {
			return nil, fmt.Errorf("last %d updates: %w", n, err)
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// newestWithin reads (seq, size) rows, newest first, and returns the
// range of seqs of the newest whose sizes add up to at most maxBytes; to
// is 0 when there are none.
func newestWithin(rows *sql.Rows, maxBytes int64) (from, to int64, err error) {
	defer rows.Close()
	var total int64
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			return 0, 0, err
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
	return from, to, rows.Err()
}

// PruneUpdates deletes all but the newest keep updates, and those stored
// before before. keep <= 0 sets no bound on the count and a zero before no
// bound on the age, so that either limit can be turned off alone.
func (db *DB) PruneUpdates(ctx context.Context, keep int, before time.Time) error {
	err := db.inTx(ctx, func(tx *txn) error {
		if keep > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM hub_updates WHERE seq <=
				(SELECT seq FROM hub_updates ORDER BY seq DESC LIMIT 1 OFFSET ?)`, keep); err != nil {
				return err
			}
		}
		if !before.IsZero() {
			if _, err := tx.ExecContext(ctx, `DELETE FROM hub_updates WHERE created_at < ?`, micros(before)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("prune updates (keep %d, before %s): %w", keep, before.Format(time.RFC3339), err)
	}
	return nil
}
