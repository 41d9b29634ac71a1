package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

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

// Events returns the match's whole log, voided events included, in
// sequence order. Returns ENOTFOUND.
func (db *DB) Events(ctx context.Context, id int64) ([]match.Event, error) {
	log, err := readLog(ctx, db.pool, id)
	if err != nil {
		return nil, fmt.Errorf("read events of match %d: %w", id, err)
	}
	if len(log) == 0 {
		// An empty log and a missing match look alike; only the second is
		// an error.
		if _, err := db.Match(ctx, id); err != nil {
			return nil, err
		}
	}
	return log, nil
}

// querier is what readLog needs: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// readLog returns the log of match id in sequence order, never nil.
func readLog(ctx context.Context, q querier, id int64) ([]match.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM match_events WHERE match_id = $1 ORDER BY seq`, id)
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
// state and writes the hub update that publishes it on the match's topic;
// after commit, and before it returns, it hands that update to the
// listeners (Listen). A retry with an
// idempotency key already used for the same request returns the original
// event and the current state; with a different request it returns
// ECONFLICT. Returns EINVALID, ENOTFOUND, ECONFLICT.
func (db *DB) AppendEvent(ctx context.Context, id int64, in match.NewEvent) (match.Event, match.State, error) {
	if db.opts.MatchTopic == nil {
		return match.Event{}, match.State{}, fmt.Errorf("append event to match %d: postgres.Options.MatchTopic is not set", id)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return match.Event{}, match.State{}, fmt.Errorf("append event to match %d: begin: %w", id, err)
	}
	defer tx.Rollback(ctx) // a no-op after commit
	r, err := db.appendTx(ctx, tx, id, in)
	if err != nil {
		return match.Event{}, match.State{}, fmt.Errorf("append event to match %d: %w", id, err)
	}
	if r.update.Seq == 0 { // a retry: nothing new to publish
		return r.event, r.state, nil
	}
	if err := db.listeners.Commit(func() error { return tx.Commit(ctx) }, r.update); err != nil {
		return match.Event{}, match.State{}, fmt.Errorf("append event to match %d: %w", id, err)
	}
	db.logs.Put(id, r.log)
	return r.event, r.state, nil
}

// appended is what an append wrote; log and update are unset for a retry,
// which writes nothing.
type appended struct {
	event  match.Event
	state  match.State
	log    []match.Event // the whole log, event included
	update hub.Update
}

// appendTx is AppendEvent's transaction.
func (db *DB) appendTx(ctx context.Context, tx pgx.Tx, id int64, in match.NewEvent) (appended, error) {
	// FOR UPDATE serializes appends to one match: each sees the log the
	// previous one left, so seq stays gapless.
	var raw []byte
	m, err := scanMatch(tx.QueryRow(ctx, `SELECT `+matchColumns+`, state FROM matches WHERE id = $1 FOR UPDATE`, id), &raw)
	if err != nil {
		return appended{}, notFound(err, "lock match", "match %d does not exist", id)
	}
	log, ok := db.logs.Get(m)
	if !ok {
		if log, err = readLog(ctx, tx, id); err != nil {
			return appended{}, err
		}
	}
	if prev, ok, err := match.Retry(log, in); err != nil || ok {
		if err != nil {
			return appended{}, err
		}
		r := appended{event: prev}
		if err := json.Unmarshal(raw, &r.state); err != nil {
			return appended{}, fmt.Errorf("decode state: %w", err)
		}
		return r, nil
	}
	ev, st, err := match.Record(m, slices.Clip(log), in, now())
	if err != nil {
		return appended{}, err
	}
	state, err := json.Marshal(st)
	if err != nil {
		return appended{}, fmt.Errorf("encode state: %w", err)
	}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return appended{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE matches SET state = $2, status = $3, seq = $4 WHERE id = $1`,
		id, state, st.Status, st.Seq); err != nil {
		return appended{}, fmt.Errorf("store state: %w", err)
	}
	// Last before commit: insertUpdate holds the history's lock until then.
	u, err := insertUpdate(ctx, tx, hub.Update{ID: hub.NewID(), Topics: []string{db.opts.MatchTopic(id)}, Data: string(state)})
	if err != nil {
		return appended{}, err
	}
	return appended{event: ev, state: st, log: append(slices.Clip(log), ev), update: u}, nil
}

// insertEvent appends ev to its match's log.
func insertEvent(ctx context.Context, tx pgx.Tx, ev match.Event) error {
	detail, err := json.Marshal(ev.EventDetail)
	if err != nil {
		return fmt.Errorf("encode event detail: %w", err)
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
		// Cannot happen while appends hold the match's row lock; say so
		// rather than report an internal error.
		return match.Errorf(match.ECONFLICT, "event %d of match %d was recorded at the same time; reload and retry", ev.Seq, ev.MatchID)
	case isUniqueViolation(err, ""):
		return match.Errorf(match.ECONFLICT, "idempotency key %q was already used in match %d; send a new key for a new event", ev.IdempotencyKey, ev.MatchID)
	case err != nil:
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}
