package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// TestMatchEventsPublishOnTheirTopic checks the wiring of openStore: an
// event recorded in a match hands the hub an update on
// {SCOREBOARD_PUBLIC_URL}/matches/{id} carrying the match's state.
func TestMatchEventsPublishOnTheirTopic(t *testing.T) {
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
			ctx := context.Background()
			published := make(chan hub.Update, 10)
			db, err := openStore(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)), func(u hub.Update) { published <- u })
			if err != nil {
				t.Fatalf("openStore: %v", err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			m, err := db.CreateMatch(ctx, match.MatchInput{
				Competition: "Cup", Sport: "football",
				Home:    match.Team{Name: "Home Town", ShortName: "HOM", Color: "#aa0000"},
				Away:    match.Team{Name: "Away United", ShortName: "AWY", Color: "#0000aa"},
				KickOff: time.Date(2030, 6, 1, 15, 0, 0, 0, time.UTC), TimeZone: "Europe/London", Venue: "Ground",
			})
			if err != nil {
				t.Fatalf("CreateMatch: %v", err)
			}
			if _, _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start", RecordedBy: "test"}); err != nil {
				t.Fatalf("AppendEvent: %v", err)
			}
			select {
			case u := <-published:
				want := "https://scores.example.org/matches/" + strconv.FormatInt(m.ID, 10)
				if len(u.Topics) == 0 || u.Topics[0] != want {
					t.Errorf("update topics: got %q, want %q first", u.Topics, want)
				}
				var state struct {
					ID  int64 `json:"id"`
					Seq int64 `json:"seq"`
				}
				if err := json.Unmarshal([]byte(u.Data), &state); err != nil || state.ID != m.ID || state.Seq != 1 {
					t.Errorf("update data %q: got id %d seq %d (%v), want id %d seq 1", u.Data, state.ID, state.Seq, err, m.ID)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no update published within 10s of the commit")
			}
		})
	}
}
