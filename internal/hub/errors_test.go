package hub_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// brokenHistory is a real store whose reads and writes of updates fail.
type brokenHistory struct{ *sqlite.DB }

var errBroken = errors.New("disk on fire")

func (b brokenHistory) AppendUpdate(context.Context, hub.Update) (hub.Update, error) {
	return hub.Update{}, errBroken
}

func (b brokenHistory) UpdateByID(context.Context, string) (hub.Update, error) {
	return hub.Update{}, errBroken
}

// An internal error is answered 500 "internal error", without its cause,
// and logged once with it.
func TestInternalErrorsAreLoggedOnce(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	th := newHub(t, hub.Config{AllowAnonymous: true, History: brokenHistory{newSQLite(t)},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	tok := token(t, th.pubKey, []string{"*"}, nil, 0)
	status, body := th.post(t, tok, form{"topic": {"https://example.com/a"}})
	if status != http.StatusInternalServerError || strings.TrimSpace(body) != "internal error" {
		t.Errorf("publish: got %d %q, want 500 \"internal error\"", status, body)
	}
	s := openStream(t, th.subURL([]string{"a"}, "lastEventID", "urn:x"))
	if s.resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("subscribe: got %d, want 500", s.resp.StatusCode)
	}
	l := logs.String()
	if n := strings.Count(l, "level=ERROR"); n != 2 || strings.Count(l, errBroken.Error()) != 2 {
		t.Errorf("got %d ERROR lines, want 2, each with the cause:\n%s", n, l)
	}
}
