package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// The Transport over LISTEN/NOTIFY. Every insert into hub_updates also
// sends a notification on notifyChannel, in the same transaction, so that
// PostgreSQL delivers it at commit to every instance that listens, in
// commit order. Each instance's relay hands the hub every committed
// update exactly once and in Seq order:
//
//   - its own commits take the fast path: the writer hands them to the
//     relay right after its commit, as hub.Listeners did, so a publish on
//     one instance does not wait for a round trip through the database,
//     and one whose listening connection is down still reaches its own
//     subscribers. Their notifications come back too and are dropped, as
//     is everything at or below the last Seq delivered: the relay
//     deduplicates by Seq, whichever path came first;
//   - when an update's Seq is not the next one after the last delivered,
//     the relay first reads what lies between from the history. A seq in
//     between that is not there never will be: insertUpdate takes the
//     history's advisory lock before nextval and holds it until commit, so
//     a transaction that drew a smaller seq had finished (committed, or
//     rolled back and left a gap for good) before the one whose update we
//     hold drew its own. A gap behind a committed update is never in
//     flight;
//   - a notification carries the whole update when it fits NOTIFY's 8,000
//     bytes, else only its Seq, and the relay reads the row;
//   - the relay listens on one connection of its own, not the pool's; when
//     it breaks, the relay reconnects with backoff and, once listening
//     again, reads from the history everything after the last Seq it
//     delivered: nothing is lost and nothing repeated. Meanwhile Ping says
//     that the instance is cut off, so that GET /readyz turns it away.

// notifyChannel is the channel of the hub_updates notifications.
const notifyChannel = "scoreboard_hub_updates"

// listenAppName is the application_name of the listening connection, so
// that an operator (or a test) finds it in pg_stat_activity.
const listenAppName = "scoreboard-listen"

// maxNotifyPayload is the largest payload NOTIFY takes (8,000 bytes, less
// its terminating NUL).
const maxNotifyPayload = 7999

// firstListenWait is how long Listen waits for its connection to listen.
const firstListenWait = 5 * time.Second

// relayTimeout bounds each read of the history by the relay.
const relayTimeout = 30 * time.Second

// Backoff between attempts to listen again.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// notified is what a notification carries of an update beside its Seq,
// which the insert adds (the relay reads it as a hub.Update).
type notified struct {
	ID       string
	Topics   []string
	Data     string
	Private  bool
	Type     string
	Retry    int64
	Coalesce bool
}

// notifyTail is what follows `{"Seq":N` in the notification of u: the
// rest of u in JSON when the whole fits NOTIFY's payload (N taking at
// most 19 digits), else only "}" (the listener reads the row).
func notifyTail(u hub.Update) string {
	b, err := json.Marshal(notified{u.ID, u.Topics, u.Data, u.Private, u.Type, u.Retry, u.Coalesce})
	if err != nil || len(`{"Seq":`)+19+len(b) > maxNotifyPayload {
		return "}"
	}
	b[0] = ','
	return string(b)
}

// relay is the store's hub.Transport: it hands every listener each update
// committed by any instance, once and in Seq order (see above). It runs
// its listening goroutine only while someone listens.
type relay struct {
	db  *DB
	log *slog.Logger

	// mu is held while delivering, which orders deliveries; it guards
	// everything below.
	mu      sync.Mutex
	last    int64 // Seq of the last update delivered; -1 when unknown
	fns     map[int]func(hub.Update)
	next    int
	cancel  context.CancelFunc // stops the listening goroutine; nil when none runs
	done    chan struct{}      // closed when the listening goroutine has returned
	up      chan struct{}      // closed when the listening goroutine first listens
	lost    bool               // the listening connection broke since it last listened
	down    error              // why the instance is not listening; nil when it is
	downAt  time.Time
	running bool
	heard   time.Time // when the last notification arrived; zero before the first

	// state is ListenerState's last reading, for the scrapes that come
	// while a delivery holds mu (a catch-up may, for long).
	stateMu sync.Mutex
	state   listenerState
}

// listenerState is what ListenerState returns.
type listenerState struct {
	listening bool
	last      int64
	heard     time.Time
}

// Listen hands fn every hub update committed from now on, by this instance
// or any other on the same database (LISTEN/NOTIFY), in Seq order and one
// call at a time, until stop is called (hub.Transport). fn must be quick
// and must not write to the store.
func (db *DB) Listen(fn func(hub.Update)) (stop func()) { return db.relay.listen(fn) }

func (r *relay) listen(fn func(hub.Update)) (stop func()) {
	r.mu.Lock()
	if r.fns == nil {
		r.fns = make(map[int]func(hub.Update))
	}
	id := r.next
	r.next++
	r.fns[id] = fn
	if !r.running {
		r.start()
	}
	up := r.up
	r.mu.Unlock()
	// Give the first connection a moment, so that an instance that just
	// started is ready when it answers; if it fails, Ping says why.
	select {
	case <-up:
	case <-time.After(firstListenWait):
	}
	return func() {
		r.mu.Lock()
		delete(r.fns, id)
		if len(r.fns) > 0 || !r.running {
			r.mu.Unlock()
			return
		}
		r.running = false
		cancel, done := r.cancel, r.done
		r.mu.Unlock()
		cancel()
		<-done
	}
}

// start starts the listening goroutine, from the newest Seq committed now:
// an update committed after it has a larger Seq (see above). r.mu is held.
func (r *relay) start() {
	r.running = true
	r.last = -1
	ctx, cancel := context.WithTimeout(context.Background(), relayTimeout)
	err := r.db.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM hub_updates`).Scan(&r.last)
	cancel()
	if err != nil { // the hub's own read of the history fails too; the goroutine tries again
		r.last = -1
		r.log.Error("postgres: read the newest seq of the history", "err", err)
	}
	r.down, r.downAt, r.lost = fmt.Errorf("not listening yet"), time.Now(), false
	ctx, r.cancel = context.WithCancel(context.Background())
	r.done, r.up = make(chan struct{}), make(chan struct{})
	go r.run(ctx, r.done, r.up)
}

// committed hands the listeners us, which this instance has just
// committed (the fast path).
func (r *relay) committed(us []hub.Update) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running || r.last < 0 {
		return // the listening goroutine reads them from the history
	}
	ctx, cancel := context.WithTimeout(context.Background(), relayTimeout)
	defer cancel()
	for _, u := range us {
		if err := r.deliver(ctx, u); err != nil {
			r.log.Warn("postgres: read the history before a committed update; the listener will", "seq", u.Seq, "err", err)
			return
		}
	}
}

// deliver hands u to the listeners unless it was delivered already,
// after what lies between the last delivered and it. r.mu is held.
func (r *relay) deliver(ctx context.Context, u hub.Update) error {
	if u.Seq <= r.last {
		return nil
	}
	if u.Seq > r.last+1 {
		if err := r.catchUp(ctx, u.Seq-1); err != nil {
			return err
		}
	}
	r.send(u)
	return nil
}

// send hands u to every listener. r.mu is held.
func (r *relay) send(u hub.Update) {
	for _, fn := range r.fns {
		fn(u)
	}
	r.last = u.Seq
}

// catchUp delivers, in order, every stored update after the last delivered
// up to Seq upto (all of them when upto < 0), a page at a time. r.mu is
// held.
func (r *relay) catchUp(ctx context.Context, upto int64) error {
	if r.last < 0 {
		if err := r.db.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM hub_updates`).Scan(&r.last); err != nil {
			r.last = -1
			return fmt.Errorf("read the newest seq of the history: %w", err)
		}
		return nil
	}
	for {
		page, more, err := r.db.updatesPage(ctx, r.last, nil)
		if err != nil {
			return fmt.Errorf("read the history after seq %d: %w", r.last, err)
		}
		for _, u := range page {
			if upto >= 0 && u.Seq > upto {
				return nil
			}
			r.send(u)
		}
		if !more {
			return nil
		}
	}
}

// run listens until ctx is done, again and again with backoff when the
// connection breaks, then closes done.
func (r *relay) run(ctx context.Context, done, first chan struct{}) {
	defer close(done)
	backoff := minBackoff
	for {
		up, err := r.listenOnce(ctx, first)
		r.mu.Lock()
		if ctx.Err() != nil { // stopped: the state is a newer goroutine's
			r.mu.Unlock()
			return
		}
		if r.down == nil || up {
			r.downAt = time.Now()
		}
		r.down, r.lost = err, true
		r.mu.Unlock()
		if up {
			backoff = minBackoff
		}
		r.log.Warn("postgres: listening connection lost; listening again", "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, listens, catches up from the history and then
// delivers notifications until the connection fails; up says whether it
// got as far as listening.
func (r *relay) listenOnce(ctx context.Context, first chan struct{}) (up bool, err error) {
	cfg := r.db.connCfg.Copy()
	cfg.RuntimeParams["application_name"] = listenAppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	// Listening before reading: an update committed meanwhile is read,
	// or notified, or both (and then dropped the second time).
	if err := r.locked(ctx, func(ctx context.Context) error { return r.catchUp(ctx, -1) }); err != nil {
		return false, err
	}
	r.mu.Lock()
	if ctx.Err() != nil { // stopped: the state is a newer goroutine's
		r.mu.Unlock()
		return false, ctx.Err()
	}
	if r.lost {
		r.log.Info("postgres: listening again for other instances' updates", "after_seq", r.last)
	} else {
		close(first)
	}
	r.down, r.lost = nil, false
	r.mu.Unlock()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for notification: %w", err)
		}
		var u hub.Update
		if err := json.Unmarshal([]byte(n.Payload), &u); err != nil || u.Seq <= 0 {
			r.log.Error("postgres: unreadable notification; reading the history", "payload", n.Payload, "err", err)
			u = hub.Update{Seq: -1}
		}
		err = r.locked(ctx, func(ctx context.Context) error {
			r.heard = time.Now()
			if u.ID == "" { // too large to carry, or unreadable: read it
				if u.Seq >= 0 && u.Seq <= r.last {
					return nil
				}
				return r.catchUp(ctx, u.Seq)
			}
			return r.deliver(ctx, u)
		})
		if err != nil {
			return true, err
		}
	}
}

// locked runs fn under r.mu with a bounded context.
func (r *relay) locked(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, relayTimeout)
	defer cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil { // stopped: the listeners are a newer goroutine's
		return err
	}
	return fn(ctx)
}

// listening returns why the instance is not listening for other
// instances' updates, or nil when it is or nobody listens.
func (r *relay) listening() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running || r.down == nil {
		return nil
	}
	return fmt.Errorf("not listening for other instances' updates since %s: %w", r.downAt.UTC().Format(time.RFC3339), r.down)
}

// ListenerState is the state of an instance's listening connection, for
// GET /metrics: whether it listens, the Seq of the last update the relay
// handed to the hub (-1 when unknown), and when the last notification
// arrived (zero before the first). A notification carries no commit time
// (and the instances' clocks need not agree), so the lag to watch is
// in updates: the history's newest Seq less LastSeq.
// It never waits for a delivery in progress: it then returns its last
// reading.
func (db *DB) ListenerState() (listening bool, lastSeq int64, heard time.Time) {
	r := &db.relay
	r.stateMu.Lock()
	defer r.stateMu.Unlock()
	if r.mu.TryLock() {
		r.state = listenerState{listening: r.running && r.down == nil, last: r.last, heard: r.heard}
		if !r.running {
			r.state.last = -1
		}
		r.mu.Unlock()
	}
	return r.state.listening, r.state.last, r.state.heard
}

// stop stops the listening goroutine, if any, and waits for it.
func (r *relay) stop() {
	r.mu.Lock()
	if !r.running {
		r.mu.Unlock()
		return
	}
	r.running = false
	r.fns = nil
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	cancel()
	<-done
}
