package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testAPITokens stores, lists and revokes API tokens.
func testAPITokens(t *testing.T, s Store, ann, bob match.User) {
	ctx := testContext(t)
	start := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	expires := start.Add(24 * time.Hour)
	tokens := []match.APIToken{
		{ID: "tok-1", UserID: ann.ID, Name: "fixtures import", CreatedAt: start},
		{ID: "tok-2", UserID: bob.ID, Name: "stadium display ⚽", CreatedAt: start.Add(time.Minute), ExpiresAt: &expires},
		{ID: "tok-3", UserID: ann.ID, Name: "", CreatedAt: start.Add(2 * time.Minute)},
	}
	for _, tk := range tokens {
		if err := s.CreateAPIToken(ctx, tk); err != nil {
			t.Fatalf("CreateAPIToken(%s): %v", tk.ID, err)
		}
	}
	got, err := s.APIToken(ctx, "tok-2")
	if err != nil || !cmp.Equal(got, tokens[1]) {
		t.Errorf("APIToken: got %+v, %v, want %+v", got, err, tokens[1])
	}
	err = s.CreateAPIToken(ctx, match.APIToken{ID: "tok-1", UserID: bob.ID, Name: "again", CreatedAt: start})
	wantMessage(t, "CreateAPIToken(id taken)", err, match.ECONFLICT, "API token tok-1 exists already; make a new one")
	err = s.CreateAPIToken(ctx, match.APIToken{ID: "tok-9", UserID: 987654, Name: "nobody's", CreatedAt: start})
	wantMessage(t, "CreateAPIToken(unknown user)", err, match.ENOTFOUND, "user 987654 does not exist")
	err = s.CreateAPIToken(ctx, match.APIToken{ID: "tok-8", UserID: ann.ID, Name: strings.Repeat("n", 101), CreatedAt: start})
	wantCode(t, "CreateAPIToken(long name)", err, match.EINVALID)
	_, err = s.APIToken(ctx, "tok-8")
	wantMessage(t, "APIToken(refused)", err, match.ENOTFOUND, "API token tok-8 does not exist")

	ids := func(userID int64) []string {
		t.Helper()
		ts, err := s.APITokens(ctx, userID)
		if err != nil {
			t.Fatalf("APITokens(%d): %v", userID, err)
		}
		out := []string{}
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"tok-3", "tok-2", "tok-1"}, ids(0)); diff != "" {
		t.Errorf("APITokens(everyone) newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"tok-3", "tok-1"}, ids(ann.ID)); diff != "" {
		t.Errorf("APITokens(ann) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, ids(987654)); diff != "" {
		t.Errorf("APITokens(nobody) (-want +got):\n%s", diff)
	}

	first := start.Add(time.Hour).Add(123 * time.Microsecond)
	revoked, err := s.RevokeAPIToken(ctx, "tok-1", first)
	if err != nil || revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(first) {
		t.Fatalf("RevokeAPIToken: got %+v, %v, want revoked at %s", revoked, err, first)
	}
	again, err := s.RevokeAPIToken(ctx, "tok-1", first.Add(time.Hour))
	if err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(first) {
		t.Errorf("RevokeAPIToken again: got %+v, %v, want the first instant %s kept", again, err, first)
	}
	if got, _ := s.APIToken(ctx, "tok-1"); !cmp.Equal(got, revoked) {
		t.Errorf("APIToken after revoking: got %+v, want %+v", got, revoked)
	}
	if err := revoked.CheckToken(first); match.ErrorCode(err) != match.EUNAUTHORIZED {
		t.Errorf("CheckToken of the stored revoked token: got %v, want EUNAUTHORIZED", err)
	}
	_, err = s.RevokeAPIToken(ctx, "tok-404", first)
	wantMessage(t, "RevokeAPIToken(unknown)", err, match.ENOTFOUND, "API token tok-404 does not exist")
	if got, _ := s.APIToken(ctx, "tok-2"); got.RevokedAt != nil {
		t.Errorf("revoking one token revoked another: %+v", got)
	}
}

// testFirstAdmin uses a setup token to create the first admin: once, only
// before it expires, only while no user exists.
func testFirstAdmin(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	for hash, expires := range map[string]time.Time{"good": now.Add(time.Hour), "old": now.Add(-time.Second), "spare": now.Add(time.Hour), "other": now.Add(time.Hour)} {
		if err := s.CreateSetupToken(ctx, hash, expires); err != nil {
			t.Fatalf("CreateSetupToken(%s): %v", hash, err)
		}
	}
	in := match.UserInput{Email: " First@Example.org ", Role: match.RoleScorer, Password: "the first password"}
	_, err := s.CreateFirstAdmin(ctx, "unknown", in, now)
	wantMessage(t, "CreateFirstAdmin(unknown token)", err, match.EUNAUTHORIZED,
		"this setup link is not valid; use the link the server logged at its start, or restart it for a new one")
	_, err = s.CreateFirstAdmin(ctx, "old", in, now)
	wantMessage(t, "CreateFirstAdmin(expired token)", err, match.EUNAUTHORIZED,
		"this setup link expired at 2030-06-01T08:59:59Z; restart the server for a new one")
	short := in
	short.Password = "short"
	_, err = s.CreateFirstAdmin(ctx, "good", short, now)
	wantCode(t, "CreateFirstAdmin(short password)", err, match.EINVALID)

	u, err := s.CreateFirstAdmin(ctx, "good", in, now)
	if err != nil {
		t.Fatalf("CreateFirstAdmin: %v", err)
	}
	if u.ID == 0 || u.Email != "first@example.org" || u.Role != match.RoleAdmin || !u.CreatedAt.Equal(now) || !match.CheckPassword(u.PasswordHash, in.Password) {
		t.Errorf("CreateFirstAdmin: got %+v, want an admin first@example.org created at %s with the password", u, now)
	}
	if got, err := s.UserByEmail(ctx, "first@example.org"); err != nil || !cmp.Equal(got, u) {
		t.Errorf("UserByEmail(first admin): got %+v, %v, want %+v", got, err, u)
	}
	in.Email = "second@example.org"
	_, err = s.CreateFirstAdmin(ctx, "good", in, now.Add(time.Minute))
	wantMessage(t, "CreateFirstAdmin(used token)", err, match.EUNAUTHORIZED,
		"this setup link was used at 2030-06-01T09:00:00Z; log in, or restart the server for a new link")
	_, err = s.CreateFirstAdmin(ctx, "spare", in, now)
	wantMessage(t, "CreateFirstAdmin(a user exists)", err, match.ECONFLICT, "the first admin exists already; log in, or ask an admin for an account")
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Errorf("after refused setups: got %d users, want 1", n)
	}
	err = s.CreateSetupToken(ctx, "good", now.Add(time.Hour))
	wantCode(t, "CreateSetupToken(hash taken)", err, match.ECONFLICT)

	// Two first admins at once with two tokens: one wins.
	s2, _, _ := openFresh(t, open)
	for _, hash := range []string{"a", "b"} {
		if err := s2.CreateSetupToken(ctx, hash, now.Add(time.Hour)); err != nil {
			t.Fatalf("CreateSetupToken: %v", err)
		}
	}
	codes := make([]string, 2)
	var wg sync.WaitGroup
	for i, hash := range []string{"a", "b"} {
		wg.Go(func() {
			_, err := s2.CreateFirstAdmin(ctx, hash, match.UserInput{Email: hash + "@example.org", Password: "a long enough password"}, now)
			codes[i] = match.ErrorCode(err)
		})
	}
	wg.Wait()
	if n, _ := s2.CountUsers(ctx); n != 1 || !(codes[0] == "" && codes[1] == match.ECONFLICT || codes[1] == "" && codes[0] == match.ECONFLICT) {
		t.Errorf("two setups at once: got outcomes %q and %d users, want one admin and one conflict", codes, n)
	}
}
