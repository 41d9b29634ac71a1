// Package storetest is the one test suite that every store passes: the
// embedded SQLite store and PostgreSQL run the same tests.
//
// A store's test calls Run with an Opener. Every subtest opens its own
// fresh store (Config.Path ""), so subtests run in parallel; the suite
// never uses SQL, only the Store interface, so that what one store does,
// the other does too.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// Store is what a store implements: the domain's Store, and the hub's
// History and Transport.
type Store interface {
	match.Store
	match.CompetitionStore
	match.AccountStore
	hub.History
	hub.Transport
	Secret(ctx context.Context, name string, generate func() (string, error)) (string, error)
	// HistorySpan is what GET /metrics reads of the history.
	HistorySpan(ctx context.Context) (oldest, newest int64, err error)
	Ping(ctx context.Context) error
	Close() error
}

// Config is what the suite asks an Opener for.
type Config struct {
	// Path names the database to open; the same Path opens the same data,
	// so a test can close a store and reopen it. "" means a fresh, migrated
	// database.
	Path string
	// Topic is the store's MatchTopic option; nil leaves it unset.
	Topic func(matchID int64) string
}

// Opener opens a store for one test and returns it with the Path that
// reopens it. The opener registers the store's Close with t.Cleanup; the
// suite may close a store before that, so closing twice must be harmless.
type Opener func(t *testing.T, c Config) (Store, string)

// HistoryBreaker makes every later insert of a hub update into the
// database at path fail (a trigger does it in both stores) and returns the
// function that repairs it: the suite checks that a failed write leaves
// nothing behind.
type HistoryBreaker func(t *testing.T, path string) (repair func())

// EventInserter stores a row in the log of match matchID of the database
// at path directly, as a writer that bypasses the store would, without
// changing the match's seq or state; key "" stores no idempotency key. The
// suite checks that a store reports the collision this causes as it would
// any conflict.
type EventInserter func(t *testing.T, path string, matchID, seq int64, key string)

// Hooks reach behind a store's back, for the cases that the Store
// interface cannot set up: each store's test implements them in its own
// SQL.
type Hooks struct {
	BreakHistory HistoryBreaker
	InsertEvent  EventInserter
}

// Run runs the whole suite against the stores open makes. Every subtest
// calls t.Parallel, so open must be safe for concurrent use.
func Run(t *testing.T, open Opener, h Hooks) {
	t.Run("AppendEventAtomic", func(t *testing.T) {
		t.Parallel()
		testAppendEventAtomic(t, open, h.BreakHistory)
	})
	t.Run("DuplicateEvent", func(t *testing.T) {
		t.Parallel()
		testDuplicateEvent(t, open, h.InsertEvent)
	})
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Matches", testMatches},
		{"EveryEventKind", testEveryEventKind},
		{"Void", testVoid},
		{"Idempotency", testIdempotency},
		{"ConcurrentRetries", testConcurrentRetries},
		{"ConcurrentScorers", testConcurrentScorers},
		{"StaleSeq", testStaleSeq},
		{"BadEvent", testBadEvent},
		{"ConcurrentAppends", testConcurrentAppends},
		{"TwoWriters", testTwoWriters},
		{"Reopen", testReopen},
		{"NotFound", testNotFound},
		{"Users", testUsers},
		{"Secret", testSecret},
		{"History", testHistory},
		{"Prune", testPrune},
		{"AppendEventPublishes", testAppendEventPublishes},
		{"ListenInOrder", testListenInOrder},
		{"HistoryCommitOrder", testHistoryCommitOrder},
		{"AppendWithoutTopic", testAppendWithoutTopic},
		{"UpdateSize", testUpdateSize},
		{"UpdateID", testUpdateID},
		{"PruneByCountAndAge", testPruneByCountAndAge},
		{"CreateMatches", testCreateMatches},
		{"EditMatch", testEditMatch},
		{"MatchFilters", testMatchFilters},
		{"Summaries", testSummaries},
		{"MatchLinks", testMatchLinks},
		{"Competitions", testCompetitions},
		{"Teams", testTeams},
		{"Accounts", testAccounts},
		{"FirstAdmin", testFirstAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// Topic is the match topic the suite configures stores with.
func Topic(id int64) string { return fmt.Sprintf("https://scores.example.org/matches/%d", id) }

// published records what a store hands to its listeners (Listen).
type published struct {
	mu      sync.Mutex
	updates []hub.Update
	// check, if set, runs inside the callback: it sees the store as the
	// hub would when it delivers the update.
	check func(hub.Update)
}

func (p *published) add(u hub.Update) {
	p.mu.Lock()
	check := p.check
	p.updates = append(p.updates, u)
	p.mu.Unlock()
	if check != nil {
		check(u)
	}
}

func (p *published) list() []hub.Update {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]hub.Update(nil), p.updates...)
}

// openFresh opens a fresh store that records its published updates.
func openFresh(t *testing.T, open Opener) (Store, *published, string) {
	t.Helper()
	p := &published{}
	s, path := open(t, Config{Topic: Topic})
	t.Cleanup(s.Listen(p.add))
	return s, p, path
}

// testContext bounds a test's store calls: generously, since the suite's
// subtests run in parallel and bcrypt, under the race detector, is slow.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// stateOpts compare states: the idempotency key of an event is not public,
// so the stored state does not carry it, and an empty list equals none.
var stateOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(match.Event{}, "IdempotencyKey"),
}

// foldOpts compare a fold with a stored state, which carries the id of
// the update that published it where a fold has none.
var foldOpts = cmp.Options{stateOpts, cmpopts.IgnoreFields(match.State{}, "UpdateID")}

// eventOpts compare events as the log stores them.
var eventOpts = cmp.Options{cmpopts.EquateEmpty()}

// wantCode fails the test unless err carries the domain error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := match.ErrorCode(err); got != want {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, want)
	}
	if match.ErrorMessage(err) == "" {
		t.Errorf("%s: error %v has no message", what, err)
	}
}

// input is a valid match of the given sport, kicking off at the given hour
// of 1 June 2030.
func input(sport string, hour int) match.MatchInput {
	return match.MatchInput{
		Competition: "Test League",
		Sport:       sport,
		Home:        match.Team{Name: "Home Town", ShortName: "HOM", Color: "#aa0000"},
		Away:        match.Team{Name: "Away United", ShortName: "AWY", Color: "#0000aa"},
		KickOff:     time.Date(2030, 6, 1, hour, 30, 0, 0, time.UTC),
		TimeZone:    "Europe/Paris",
		Venue:       "The Ground",
	}
}

func createMatch(t *testing.T, ctx context.Context, s Store, in match.MatchInput) match.Match {
	t.Helper()
	m, err := s.CreateMatch(ctx, in)
	if err != nil {
		t.Fatalf("CreateMatch(%s): %v", in.Sport, err)
	}
	return m
}

// appendOK appends in and fails the test on error.
func appendOK(t *testing.T, ctx context.Context, s Store, id int64, in match.NewEvent) (match.Event, match.State) {
	t.Helper()
	a, err := s.AppendEvent(ctx, id, in)
	if err != nil {
		t.Fatalf("AppendEvent(%d, %s %+v): %v", id, in.Kind, in.EventDetail, err)
	}
	return a.Event, a.State
}

// snapshot is what a store holds for one match, to check that something
// left it unchanged.
type snapshot struct {
	Match  match.Match
	State  match.State
	Events []match.Event
	Last   hub.Update
}

func takeSnapshot(t *testing.T, ctx context.Context, s Store, id int64) snapshot {
	t.Helper()
	var sn snapshot
	var err error
	if sn.Match, err = s.Match(ctx, id); err != nil {
		t.Fatalf("Match(%d): %v", id, err)
	}
	if sn.State, err = s.State(ctx, id); err != nil {
		t.Fatalf("State(%d): %v", id, err)
	}
	if sn.Events, err = s.Events(ctx, id, 0); err != nil {
		t.Fatalf("Events(%d): %v", id, err)
	}
	if sn.Last, err = s.LastUpdate(ctx); err != nil {
		t.Fatalf("LastUpdate: %v", err)
	}
	return sn
}

func ptr[T any](v T) *T { return &v }
