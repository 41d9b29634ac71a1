package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// TestMatchEventsReachSubscribers checks the binary's wiring of store and
// hub: an event recorded in a match reaches a subscriber of
// {SCOREBOARD_PUBLIC_URL}/matches/{id} as the match's new state, on both
// stores, and a refused event publishes nothing.
func TestMatchEventsReachSubscribers(t *testing.T) {
	t.Parallel()
	for _, st := range databases {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadConfig(testEnv(map[string]string{
				"DATABASE_URL":          st.url(t),
				"SCOREBOARD_PUBLIC_URL": "https://scores.example.org/",
			}))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			a, err := newApp(ctx, c, logger)
			if err != nil {
				t.Fatalf("newApp: %v", err)
			}
			db := a.db
			srv := httptest.NewServer(a.handler)
			defer srv.Close()
			defer a.Close() // first: srv.Close waits for the open stream

			m, err := db.CreateMatch(ctx, match.MatchInput{
				Competition: "Cup", Sport: "football",
				Home:    match.Team{Name: "Home Town"},
				Away:    match.Team{Name: "Away United"},
				KickOff: time.Date(2030, 6, 1, 15, 0, 0, 0, time.UTC), TimeZone: "Europe/London",
			})
			if err != nil {
				t.Fatalf("CreateMatch: %v", err)
			}
			topic := "https://scores.example.org/matches/" + strconv.FormatInt(m.ID, 10)
			stream := subscribe(t, ctx, srv.URL+"/.well-known/mercure?topic="+url.QueryEscape(topic), nil)

			if _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindScore}); match.ErrorCode(err) != match.EINVALID {
				t.Fatalf("a goal before kick-off: got %v, want an invalid error", err)
			}
			if _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"}); err != nil {
				t.Fatalf("AppendEvent(match_start): %v", err)
			}
			goal, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindScore,
				EventDetail: match.EventDetail{Team: match.Away, ScoreKind: "goal", Player: "No. 9"}, IdempotencyKey: "goal"})
			if err != nil {
				t.Fatalf("AppendEvent(goal): %v", err)
			}
			type state struct {
				ID     int64        `json:"id"`
				Seq    int64        `json:"seq"`
				Status match.Status `json:"status"`
				Home   struct{ Score int }
				Away   struct{ Score int }
			}
			// A match's updates coalesce: a subscriber whose writer has not
			// written the kick-off's yet when the goal's comes gets the
			// goal's alone (the newest state), never an older after a newer.
			var got []state
			for len(got) == 0 || got[len(got)-1].Seq < goal.Event.Seq {
				var s state
				if err := json.Unmarshal([]byte(stream.Next(t).Data), &s); err != nil {
					t.Fatalf("decode the update: %v", err)
				}
				got = append(got, s)
			}
			last := got[len(got)-1]
			if len(got) > 2 || len(got) == 2 && (got[0].Seq != 1 || got[0].Status != match.StatusLive) ||
				last.Seq != goal.Event.Seq || last.Status != match.StatusLive || last.Away.Score != 1 || last.Home.Score != 0 || last.ID != m.ID {
				t.Errorf("updates on %s: got %+v, want the state at seq 1 (live), unless superseded, then at seq %d (0-1)", topic, got, goal.Event.Seq)
			}
		})
	}
}
