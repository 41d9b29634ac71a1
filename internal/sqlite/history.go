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
const updateColumns = `seq, id, topics, data, private, type, retry`

// replayBatch is how many updates UpdatesAfter reads at a time, so that a
// slow fn never holds a read transaction open over the whole history.
const replayBatch = 256

func scanUpdate(row scanner) (hub.Update, error) {
	var u hub.Update
	var topics string
	if err := row.Scan(&u.Seq, &u.ID, &topics, &u.Data, &u.Private, &u.Type, &u.Retry); err != nil {
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
func insertUpdate(ctx context.Context, tx *sql.Tx, u hub.Update) (hub.Update, error) {
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
	err = tx.QueryRowContext(ctx, `INSERT INTO hub_updates (id, topics, data, private, type, retry, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		u.ID, string(topics), u.Data, u.Private, u.Type, u.Retry, micros(now())).Scan(&u.Seq)
	if isUnique(err) {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, hub.ErrDuplicateID)
	}
	if err != nil {
		return hub.Update{}, fmt.Errorf("append update %s: %w", u.ID, err)
	}
	return u, nil
}

// UpdatesAfter calls fn, in Seq order, for every stored update after the
// one whose ID is lastID (hub.EarliestID: all of them). It returns
// hub.ErrUnknownEventID if lastID is not in the history, and fn's first
// error as it is.
func (db *DB) UpdatesAfter(ctx context.Context, lastID string, fn func(hub.Update) error) error {
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
	for {
		batch, err := db.updatesBatch(ctx, after)
		if err != nil {
			return fmt.Errorf("updates after %q: %w", lastID, err)
		}
		for _, u := range batch {
			if err := fn(u); err != nil {
				return err
			}
			after = u.Seq
		}
		if len(batch) < replayBatch {
			return nil
		}
	}
}

func (db *DB) updatesBatch(ctx context.Context, after int64) ([]hub.Update, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+updateColumns+` FROM hub_updates
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, replayBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []hub.Update
	for rows.Next() {
		u, err := scanUpdate(rows)
		if err != nil {
			return nil, err
		}
		batch = append(batch, u)
	}
	return batch, rows.Err()
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

// PruneUpdates deletes all but the newest keep updates, and those stored
// before before. keep <= 0 sets no bound on the count and a zero before no
// bound on the age, so that either limit can be turned off alone.
func (db *DB) PruneUpdates(ctx context.Context, keep int, before time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
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
