package sqlite

import (
	"context"
	"fmt"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// CreateMatch validates in and, in one transaction, stores a new scheduled
// match, the state its empty log folds to and the hub update that
// publishes it; it hands that update to the listeners after commit. in's
// ids must name a stored competition and teams. Returns EINVALID,
// ENOTFOUND (a competition or team id).
func (db *DB) CreateMatch(ctx context.Context, in match.MatchInput) (match.Match, error) {
	m, err := newMatch(in)
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	err = db.publishTx(ctx, func(tx *txn) ([]hub.Update, error) {
		var u hub.Update
		m, u, err = db.createMatch(ctx, tx, m)
		return []hub.Update{u}, err
	})
	if err != nil {
		return match.Match{}, fmt.Errorf("create match: %w", err)
	}
	return m, nil
}

// CreateMatches stores every match of ins, each with its state and hub
// update, in one transaction, or none of them. Returns EINVALID or
// ENOTFOUND naming the first bad input by its 1-based index ("fixture 3:
// …").
func (db *DB) CreateMatches(ctx context.Context, ins []match.MatchInput) ([]match.Match, error) {
	ms := make([]match.Match, len(ins))
	for i, in := range ins {
		m, err := newMatch(in)
		if err != nil {
			return nil, fmt.Errorf("create matches: %w", match.FixtureError(i, err))
		}
		ms[i] = m
	}
	err := db.publishTx(ctx, func(tx *txn) ([]hub.Update, error) {
		us := make([]hub.Update, len(ms))
		for i := range ms {
			var err error
			if ms[i], us[i], err = db.createMatch(ctx, tx, ms[i]); err != nil {
				return nil, match.FixtureError(i, err)
			}
		}
		return us, nil
	})
	if err != nil {
		return nil, fmt.Errorf("create matches: %w", err)
	}
	return ms, nil
}

// EditMatch replaces a match's fields (not its log) with in (see
// match.Edit) and, in one transaction, stores them, the state its log
// folds to with them and the hub update that publishes it. Returns
// EINVALID, ENOTFOUND (the match, a competition or team id).
func (db *DB) EditMatch(ctx context.Context, id int64, in match.MatchInput) (match.Match, match.State, error) {
	in.KickOff = fromMicros(micros(in.KickOff)) // the precision stored
	log, err := db.logs.Checkout(ctx, id)
	if err != nil {
		return match.Match{}, match.State{}, fmt.Errorf("edit match %d: %w", id, err)
	}
	defer log.Release()
	var m match.Match
	var st match.State
	err = db.publishTx(ctx, func(tx *txn) ([]hub.Update, error) {
		old, err := lockMatch(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := db.currentLog(ctx, tx, log, old); err != nil {
			return nil, fmt.Errorf("load log: %w", err)
		}
		if m, st, err = log.Edit(old, in); err != nil {
			return nil, err
		}
		if err := checkLinks(ctx, tx, m); err != nil {
			return nil, err
		}
		if err := updateMatch(ctx, tx, m); err != nil {
			return nil, err
		}
		var u hub.Update
		st, u, err = db.writeState(ctx, tx, st)
		return []hub.Update{u}, err
	})
	if err != nil {
		return match.Match{}, match.State{}, fmt.Errorf("edit match %d: %w", id, err)
	}
	return m, st, nil
}

// newMatch is match.NewMatch at the precision the store keeps.
func newMatch(in match.MatchInput) (match.Match, error) {
	m, err := match.NewMatch(in, now())
	if err != nil {
		return match.Match{}, err
	}
	m.KickOff = fromMicros(micros(m.KickOff))
	return m, nil
}

// createMatch is the transaction's part of CreateMatch: it checks m's
// links, stores it, and stores and publishes its first state.
func (db *DB) createMatch(ctx context.Context, tx *txn, m match.Match) (match.Match, hub.Update, error) {
	if err := checkLinks(ctx, tx, m); err != nil {
		return match.Match{}, hub.Update{}, err
	}
	id, err := insertMatch(ctx, tx, m)
	if err != nil {
		return match.Match{}, hub.Update{}, err
	}
	m.ID = id
	st, u, err := db.writeState(ctx, tx, match.Fold(m, nil))
	if err != nil {
		return match.Match{}, hub.Update{}, err
	}
	m.Status, m.Seq = st.Status, st.Seq
	return m, u, nil
}

// checkLinks returns ENOTFOUND naming the first of m's competition and
// team ids that names nothing stored; 0 links to nothing.
func checkLinks(ctx context.Context, q querier, m match.Match) error {
	for _, l := range []struct {
		table, what string
		id          int64
	}{{"competitions", "competition", m.CompetitionID}, {"teams", "home team", m.HomeTeamID}, {"teams", "away team", m.AwayTeamID}} {
		if l.id == 0 {
			continue
		}
		ok, err := exists(ctx, q, l.table, l.id)
		if err != nil {
			return err
		}
		if !ok {
			return match.Errorf(match.ENOTFOUND, "%s %d does not exist", l.what, l.id)
		}
	}
	return nil
}

// exists reports whether table has a row with that id; table is one of
// the store's own names, never input.
func exists(ctx context.Context, q querier, table string, id int64) (bool, error) {
	var ok bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up %s %d: %w", table, id, err)
	}
	return ok, nil
}

// nullID stores 0, no link, as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// insertMatch stores m's fields, with an empty state that writeState
// replaces, and returns its id.
func insertMatch(ctx context.Context, tx *txn, m match.Match) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO matches (competition, competition_id, sport,
		home_name, home_short_name, home_color, home_crest_url, home_team_id,
		away_name, away_short_name, away_color, away_crest_url, away_team_id,
		kick_off, time_zone, venue, status, seq, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '{}', ?) RETURNING id`,
		m.Competition, nullID(m.CompetitionID), m.Sport,
		m.Home.Name, m.Home.ShortName, m.Home.Color, m.Home.CrestURL, nullID(m.HomeTeamID),
		m.Away.Name, m.Away.ShortName, m.Away.Color, m.Away.CrestURL, nullID(m.AwayTeamID),
		micros(m.KickOff), m.TimeZone, m.Venue, m.Status, micros(m.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert match: %w", err)
	}
	return id, nil
}

// updateMatch stores m's fields; its state is writeState's.
func updateMatch(ctx context.Context, tx *txn, m match.Match) error {
	_, err := tx.ExecContext(ctx, `UPDATE matches SET competition = ?, competition_id = ?, sport = ?,
		home_name = ?, home_short_name = ?, home_color = ?, home_crest_url = ?, home_team_id = ?,
		away_name = ?, away_short_name = ?, away_color = ?, away_crest_url = ?, away_team_id = ?,
		kick_off = ?, time_zone = ?, venue = ? WHERE id = ?`,
		m.Competition, nullID(m.CompetitionID), m.Sport,
		m.Home.Name, m.Home.ShortName, m.Home.Color, m.Home.CrestURL, nullID(m.HomeTeamID),
		m.Away.Name, m.Away.ShortName, m.Away.Color, m.Away.CrestURL, nullID(m.AwayTeamID),
		micros(m.KickOff), m.TimeZone, m.Venue, m.ID)
	if err != nil {
		return fmt.Errorf("update match: %w", err)
	}
	return nil
}

// writeState stores st as its match's state, under a new update id, and
// the hub update that publishes it on the match's topic: st's summary and
// the events that changed it (match.EncodeUpdate). It returns st with its
// UpdateID, and the update.
func (db *DB) writeState(ctx context.Context, tx *txn, st match.State, events ...match.Event) (match.State, hub.Update, error) {
	if db.opts.MatchTopic == nil {
		return match.State{}, hub.Update{}, fmt.Errorf("publish match %d: sqlite.Options.MatchTopic is not set", st.ID)
	}
	st.UpdateID = hub.NewID()
	data, err := match.EncodeUpdate(st, events...)
	if err != nil {
		return match.State{}, hub.Update{}, err
	}
	state, err := match.EncodeState(st)
	if err != nil {
		return match.State{}, hub.Update{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE matches SET state = ?, status = ?, seq = ?, update_id = ? WHERE id = ?`,
		string(state), st.Status, st.Seq, st.UpdateID, st.ID); err != nil {
		return match.State{}, hub.Update{}, fmt.Errorf("store state: %w", err)
	}
	// A match's update carries its whole compact state, so it coalesces:
	// a subscriber that is behind skips to the newest (hub.Update.Coalesce).
	u, err := insertUpdate(ctx, tx, hub.Update{ID: st.UpdateID, Topics: []string{db.opts.MatchTopic(st.ID)}, Data: string(data), Coalesce: true})
	if err != nil {
		return match.State{}, hub.Update{}, err
	}
	return st, u, nil
}

// publishTx runs fn in one write transaction and commits it through the
// listeners, which hear the hub updates fn stored, in order, once
// committed. When fn stores none (a retry answered from the log), it rolls
// back: fn wrote nothing.
func (db *DB) publishTx(ctx context.Context, fn func(tx *txn) ([]hub.Update, error)) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	us, err := fn(tx)
	if err != nil || len(us) == 0 {
		tx.Rollback()
		return err
	}
	return db.listeners.Commit(tx.Commit, us...)
}
