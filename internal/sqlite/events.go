package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, idempotency_key`

func scanEvent(row scanner) (match.Event, error) {
	var ev match.Event
	var detail string
	var recordedAt int64
	var key sql.NullString
	if err := row.Scan(&ev.MatchID, &ev.Seq, &ev.Kind, &detail, &recordedAt, &ev.ClockMs, &ev.RecordedBy, &key); err != nil {
		return match.Event{}, err
	}
	if err := json.Unmarshal([]byte(detail), &ev.EventDetail); err != nil {
		return match.Event{}, fmt.Errorf("decode detail of event %d: %w", ev.Seq, err)
	}
	ev.RecordedAt = fromMicros(recordedAt)
	ev.IdempotencyKey = key.String
	return ev, nil
}

// Events returns the match's log after seq since (0: the whole log),
// voided events included, in sequence order. Returns ENOTFOUND.
func (db *DB) Events(ctx context.Context, id, since int64) ([]match.Event, error) {
	log, err := readLog(ctx, db.read, id, since)
	if err != nil {
		return nil, fmt.Errorf("list events of match %d: %w", id, err)
	}
	if len(log) == 0 {
		// An empty log (or nothing after since) and a missing match look
		// alike; only the second is an error.
		if _, err := getMatch(ctx, db.read, id); err != nil {
			return nil, fmt.Errorf("list events of match %d: %w", id, err)
		}
	}
	return log, nil
}

// readLog returns the log of match id after seq since (0: all of it) in
// sequence order, never nil.
func readLog(ctx context.Context, q querier, id, since int64) ([]match.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM match_events WHERE match_id = ? AND seq > ? ORDER BY seq`, id, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	log := []match.Event{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		log = append(log, ev)
	}
	return log, rows.Err()
}

// AppendEvent validates in against the match's current state (see
// match.Record) and, in one transaction, appends the event, stores the new
// state and writes the hub update that publishes it on
// Options.MatchTopic(id); after commit, and before it returns, it hands
// that update to the listeners (Listen). A retry with an idempotency key
// already used for the same request returns the original event and the
// current state (Retry set), and publishes nothing; with a different
// request it returns ECONFLICT. Returns EINVALID, ENOTFOUND, ECONFLICT.
func (db *DB) AppendEvent(ctx context.Context, id int64, in match.NewEvent) (match.Appended, error) {
	// One append to the match at a time in this process, in turns that
	// the log cache runs and that commit the event to the cached log
	// once stored (match.LogCache.Append).
	return db.logs.Append(ctx, id, func(log *match.Log) (match.Appended, error) {
		var a appended
		err := db.publishTx(ctx, func(tx *txn) ([]hub.Update, error) {
			var err error
			a, err = db.appendTx(ctx, tx, log, id, in)
			if err != nil || a.Retry { // a retry: nothing new to publish
				return nil, err
			}
			return []hub.Update{a.update}, nil
		})
		if err != nil {
			return match.Appended{}, fmt.Errorf("append event to match %d: %w", id, err)
		}
		return a.Appended, nil
	})
}

// appended is what AppendEvent's transaction produced: update is unset
// when the request was a retry answered from the log.
type appended struct {
	match.Appended
	update hub.Update
}

// appendTx is AppendEvent's transaction, with log, the match's, checked
// out.
func (db *DB) appendTx(ctx context.Context, tx *txn, log *match.Log, id int64, in match.NewEvent) (appended, error) {
	m, err := lockMatch(ctx, tx, id)
	if err != nil {
		return appended{}, err
	}
	if err := db.currentLog(ctx, tx, log, m); err != nil {
		return appended{}, fmt.Errorf("load log: %w", err)
	}
	if prev, ok, err := log.Retry(in); err != nil || ok {
		if err != nil {
			return appended{}, err
		}
		st, err := getState(ctx, tx, id)
		return appended{Appended: match.Appended{Event: prev, State: st, Retry: true}}, err
	}
	ev, st, err := log.Record(m, in, now())
	if err != nil {
		return appended{}, err
	}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return appended{}, err
	}
	st, u, err := db.writeState(ctx, tx, st, ev)
	if err != nil {
		return appended{}, err
	}
	return appended{Appended: match.Appended{Event: ev, State: st}, update: u}, nil
}

// currentLog makes log, checked out of the cache, m's whole log: as it is
// when it ends at m.Seq, else as the database holds it.
func (db *DB) currentLog(ctx context.Context, tx *txn, log *match.Log, m match.Match) error {
	return log.Refresh(m, func() ([]match.Event, error) { return readLog(ctx, tx, m.ID, 0) })
}

func insertEvent(ctx context.Context, tx *txn, ev match.Event) error {
	detail, err := json.Marshal(ev.EventDetail)
	if err != nil {
		return fmt.Errorf("encode detail: %w", err)
	}
	var key sql.NullString
	if ev.IdempotencyKey != "" {
		key = sql.NullString{String: ev.IdempotencyKey, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO match_events
		(match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.MatchID, ev.Seq, ev.Kind, string(detail), micros(ev.RecordedAt), ev.ClockMs, ev.RecordedBy, key)
	switch {
	case isPrimaryKey(err):
		// Cannot happen while appends are serialized by the one writer,
		// unless a row was written behind the store's back; say so rather
		// than report an internal error.
		return match.Errorf(match.ECONFLICT, "event %d of match %d was recorded at the same time; reload and retry", ev.Seq, ev.MatchID)
	case isUnique(err):
		return match.Errorf(match.ECONFLICT, "idempotency key %q was already used in match %d; send a new key for a new event", ev.IdempotencyKey, ev.MatchID)
	case err != nil:
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}
