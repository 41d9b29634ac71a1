// Package hub is a Mercure hub (draft-dunglas-mercure-07, as the reference
// hub v0.24 implements it): topic selectors, JWT authorization, the publish
// and subscribe handlers, active subscriptions, and the History and
// Transport interfaces its adapters implement. It knows nothing of matches.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Update is one message published through the hub.
type Update struct {
	// ID is the SSE event id: given by the publisher or generated
	// (urn:uuid: with a UUIDv7, see NewID).
	ID string
	// Topics are the update's topics: the first is canonical, the others
	// alternates.
	Topics  []string
	Data    string
	Private bool
	Type    string
	Retry   int64 // milliseconds; 0 means none
	// Seq is the update's position in the history, assigned by
	// History.AppendUpdate; it orders updates and drops duplicates between
	// a replay and live delivery.
	Seq int64
	// Coalesce says that the update carries the whole state of its
	// canonical topic, so that a subscriber that is behind may skip it:
	// a newer coalescing update of the same topic replaces it in the
	// subscriber's queue while it is not written yet. The subscriber gets
	// the newest state sooner, holds one queued update per topic however
	// long a burst, and its Last-Event-ID stays exact (what it skipped
	// precedes what it got; resuming replays everything after it).
	//
	// Which updates coalesce: a match's (the stores' writeState sets it:
	// each carries the match's whole compact state; PostgreSQL's
	// notifications carry the flag to the other instances). Which never
	// do: an update a Mercure publisher sent, which every subscriber gets
	// in full: the publish handler never sets it. It is not stored: a
	// replay sends every update.
	Coalesce bool
}

// ErrUnknownEventID is returned by History.UpdatesAfter when the hub does not
// know (or no longer keeps) the id a subscriber asked to resume from.
var ErrUnknownEventID = errors.New("unknown last event id")

// ErrDuplicateID is returned, wrapped, by History.AppendUpdate when an
// update with the same ID is already stored: subscribers resume by id, so
// ids must be unique.
var ErrDuplicateID = errors.New("an update with this id is already in the history")

// EarliestID is the Last-Event-ID that asks for every update in the history.
const EarliestID = "earliest"

// History keeps published updates durably so that subscribers can resume.
// internal/postgres and internal/sqlite implement it.
type History interface {
	// AppendUpdate stores u (generating its ID when empty) and returns it
	// with Seq set. Updates commit in Seq order: a later Seq is never
	// visible before an earlier one. It refuses an update without a topic,
	// and one whose ID is stored already (ErrDuplicateID).
	AppendUpdate(ctx context.Context, u Update) (Update, error)
	// UpdatesAfter calls fn, in Seq order, for every stored update after the
	// one whose ID is lastID (EarliestID: all of them); when topics is not
	// nil, only for those with one of topics (canonical or alternate), so
	// that the store does the filtering where the subscriber's selectors
	// are plain topics. It returns ErrUnknownEventID if lastID is not in
	// the history. It holds a bounded amount of memory however long the
	// history and however large its updates (a page at a time, bounded in
	// bytes).
	UpdatesAfter(ctx context.Context, lastID string, topics []string, fn func(Update) error) error
	// UpdateByID returns the stored update whose ID is id, or an error
	// wrapping ErrUnknownEventID when there is none: the hub checks that a
	// subscriber may see the update it resumes from.
	UpdateByID(ctx context.Context, id string) (Update, error)
	// LastUpdate returns the newest stored update, or a zero Update when
	// there is none.
	LastUpdate(ctx context.Context) (Update, error)
	// LastUpdates returns the newest stored updates, oldest first: at most
	// n, whose data add up to at most maxBytes (none when the newest alone
	// is larger). The hub reads them at start into its ring of recent
	// updates, which serves the resumptions after a restart.
	LastUpdates(ctx context.Context, n int, maxBytes int64) ([]Update, error)
	// PruneUpdates deletes all but the newest keep updates, and those older
	// than before.
	PruneUpdates(ctx context.Context, keep int, before time.Time) error
}

// Transport carries the updates a store commits to the hubs that listen, so
// that every update, whoever wrote it (the hub's publish endpoint, a match
// event recorded by the domain), reaches subscribers after its commit and
// in Seq order. SQLite implements it for its own process with Listeners;
// PostgreSQL also carries the other instances' updates (LISTEN/NOTIFY)
// behind the same interface, each once and in Seq order.
type Transport interface {
	// Listen hands fn every update committed from now on, in Seq order and
	// one call at a time, until stop is called. fn must be quick and must
	// not write to the store: it runs while the store holds the lock that
	// orders its commits.
	Listen(fn func(Update)) (stop func())
}

// Listeners is the in-process Transport the stores keep: Listen registers
// a listener, Commit commits a write that stored an update and then hands
// the update to every listener. The zero value is ready to use.
type Listeners struct {
	// commitMu is held from before a commit until its listeners return, so
	// that the next write, which may commit as soon as this one has,
	// notifies after it: listeners hear updates in commit (Seq) order.
	commitMu sync.Mutex
	mu       sync.Mutex // guards next and fns
	next     int
	fns      map[int]func(Update)
}

// Listen implements Transport.
func (l *Listeners) Listen(fn func(Update)) (stop func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns == nil {
		l.fns = make(map[int]func(Update))
	}
	id := l.next
	l.next++
	l.fns[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.fns, id)
	}
}

// Commit runs commit, which makes the write that stored us durable, and if
// it succeeds hands each of us, in order, to every listener before
// returning. A write may store several updates (a season's fixtures
// imported at once); no other write's updates come between them.
func (l *Listeners) Commit(commit func() error, us ...Update) error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	if err := commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range us {
		for _, fn := range l.fns {
			fn(u)
		}
	}
	return nil
}

// NewID returns a new update id: "urn:uuid:" and a UUIDv7 (RFC 9562), so
// that ids sort by creation time.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never returns an error on Linux
	}
	binary.BigEndian.PutUint64(b[0:8], uint64(time.Now().UnixMilli())<<16|uint64(binary.BigEndian.Uint16(b[6:8])))
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // variant 10
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
