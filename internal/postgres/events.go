package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// eventColumns are what scanEvent reads, in its order.
const eventColumns = `match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, coalesce(idempotency_key, '')`

// scanEvent reads a row of eventColumns.
func scanEvent(row pgx.Row) (match.Event, error) {
	var ev match.Event
	var detail []byte
	if err := row.Scan(&ev.MatchID, &ev.Seq, &ev.Kind, &detail, &ev.RecordedAt, &ev.ClockMs,
		&ev.RecordedBy, &ev.IdempotencyKey); err != nil {
		return match.Event{}, err
	}
	if err := json.Unmarshal(detail, &ev.EventDetail); err != nil {
		return match.Event{}, fmt.Errorf("decode detail of event %d: %w", ev.Seq, err)
	}
	ev.RecordedAt = ev.RecordedAt.UTC()
	return ev, nil
}

// Events returns the match's log after seq since (0: the whole log),
// voided events included, in sequence order. Returns ENOTFOUND.
func (db *DB) Events(ctx context.Context, id, since int64) ([]match.Event, error) {
	log, err := readLog(ctx, db.pool, id, since)
	if err != nil {
		return nil, fmt.Errorf("list events of match %d: %w", id, err)
	}
	if len(log) == 0 {
		// An empty log (or nothing after since) and a missing match look
		// alike; only the second is an error.
		if _, err := getMatch(ctx, db.pool, id); err != nil {
			return nil, fmt.Errorf("list events of match %d: %w", id, err)
		}
	}
	return log, nil
}

// readLog returns the log of match id after seq since (0: all of it) in
// sequence order, never nil.
func readLog(ctx context.Context, q querier, id, since int64) ([]match.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM match_events WHERE match_id = $1 AND seq > $2 ORDER BY seq`, id, since)
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	log, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (match.Event, error) { return scanEvent(row) })
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	if log == nil {
		log = []match.Event{}
	}
	return log, nil
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
		err := db.publishTx(ctx, func(tx pgx.Tx) ([]hub.Update, error) {
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
func (db *DB) appendTx(ctx context.Context, tx pgx.Tx, log *match.Log, id int64, in match.NewEvent) (appended, error) {
	m, err := lockMatch(ctx, tx, id)
	if err != nil {
		return appended{}, err
	}
	if err := db.currentLog(ctx, tx, log, m); err != nil {
		return appended{}, err
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
	// Last before commit: writeState's update holds the history's lock
	// until then.
	st, u, err := db.writeState(ctx, tx, st, ev)
	if err != nil {
		return appended{}, err
	}
	return appended{Appended: match.Appended{Event: ev, State: st}, update: u}, nil
}

// currentLog makes log, checked out of the cache, m's whole log: as it is
// when it ends at m.Seq, else as the database holds it.
func (db *DB) currentLog(ctx context.Context, tx pgx.Tx, log *match.Log, m match.Match) error {
	return log.Refresh(m, func() ([]match.Event, error) { return readLog(ctx, tx, m.ID, 0) })
}

// insertEvent appends ev to its match's log.
func insertEvent(ctx context.Context, tx pgx.Tx, ev match.Event) error {
	detail, err := json.Marshal(ev.EventDetail)
	if err != nil {
		return fmt.Errorf("encode detail: %w", err)
	}
	var key *string // NULL: no key, so no idempotency to enforce
	if ev.IdempotencyKey != "" {
		key = &ev.IdempotencyKey
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO match_events (match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ev.MatchID, ev.Seq, ev.Kind, detail, ev.RecordedAt, ev.ClockMs, ev.RecordedBy, key)
	switch {
	case isUniqueViolation(err, "match_events_pkey"):
		// Cannot happen while appends hold the match's row lock, unless a
		// row was written behind the store's back; say so rather than
		// report an internal error.
		return match.Errorf(match.ECONFLICT, "event %d of match %d was recorded at the same time; reload and retry", ev.Seq, ev.MatchID)
	case isUniqueViolation(err, ""):
		return match.Errorf(match.ECONFLICT, "idempotency key %q was already used in match %d; send a new key for a new event", ev.IdempotencyKey, ev.MatchID)
	case err != nil:
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}
