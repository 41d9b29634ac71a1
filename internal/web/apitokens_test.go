package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

func TestAnonymousWriteRefused(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	id := e.createMatch(e.bearer(e.user("ada@example.org", match.RoleAdmin)))
	tests := []struct {
		method, path string
		body         any
		headers      []string
		wantMsg      string
	}{
		{"POST", "/api/v1/matches", `{}`, nil, "this needs a signed-in user"},
		{"POST", fmt.Sprintf("/api/v1/matches/%d/events", id), `{"kind":"match_start"}`, nil, "this needs a signed-in user"},
		{"POST", "/api/v1/tokens", `{"name":"x"}`, nil, "this needs a signed-in user"},
		{"GET", "/api/v1/users", nil, nil, "this needs a signed-in user"},
		{"POST", "/api/v1/matches", `{}`, []string{"Authorization", "Basic YWRhOng="}, `must be "Bearer "`},
		{"POST", "/api/v1/matches", `{}`, []string{"Authorization", "Bearer nonsense"}, "is not a JWT"},
		{"POST", "/api/v1/matches", `{}`, []string{"Cookie", sessionCookie + "=guessed"}, "your session has ended"},
	}
	for _, tt := range tests {
		r := e.call(nil, tt.method, tt.path, tt.body, tt.headers...)
		want(t, tt.method+" "+tt.path+" "+strings.Join(tt.headers, " "), r, http.StatusUnauthorized, tt.wantMsg)
	}
}

// TestScorerOutsideTheirMatches checks that a scorer records only the
// matches an admin assigned them.
func TestScorerOutsideTheirMatches(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	admin := e.bearer(e.user("ada@example.org", match.RoleAdmin))
	scorer := e.user("sam@example.org", match.RoleScorer)
	sam := e.bearer(scorer)
	id := e.createMatch(admin)
	events := fmt.Sprintf("/api/v1/matches/%d/events", id)
	start := map[string]any{"kind": "match_start"}

	r := e.call(nil, "POST", events, start, "Authorization", sam)
	want(t, "scorer, not assigned", r, http.StatusForbidden, fmt.Sprintf("match %d is not assigned to sam@example.org", id))
	want(t, "scorer creates a match", e.call(nil, "POST", "/api/v1/matches", `{}`, "Authorization", sam), http.StatusForbidden, "only admins may")
	// A match that does not exist is not found, for a scorer as for an
	// admin, whether they record in it or edit it.
	for who, token := range map[string]string{"scorer": sam, "admin": admin} {
		want(t, who+" records in a match that does not exist", e.call(nil, "POST", "/api/v1/matches/999999/events", start, "Authorization", token), http.StatusNotFound, "999999")
		want(t, who+" edits a match that does not exist", e.call(nil, "PATCH", "/api/v1/matches/999999", `{"venue":"x"}`, "Authorization", token), http.StatusNotFound, "999999")
	}

	assign := e.call(nil, "PUT", fmt.Sprintf("/api/v1/matches/%d/scorers/%d", id, scorer.ID), nil, "Authorization", admin)
	want(t, "assign the scorer", assign, http.StatusNoContent, "")
	want(t, "scorer, assigned", e.call(nil, "POST", events, start, "Authorization", sam), http.StatusCreated, "")
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	admin := e.user("ada@example.org", match.RoleAdmin)
	scorer := e.user("sam@example.org", match.RoleScorer)
	ada, sam := e.bearer(admin), e.bearer(scorer)

	// A scorer logged in makes a token for themselves.
	c := browser(t, "")
	e.login(c, "sam@example.org")
	r := e.call(c, "POST", "/api/v1/tokens", newTokenRequest{Name: "stadium display", TTL: "720h"})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/tokens: got %d %s, want 201", r.Status, r.Body)
	}
	var made issuedToken
	r.decode(t, &made)
	if made.APIToken.UserID != scorer.ID || made.APIToken.Name != "stadium display" || made.APIToken.ExpiresAt == nil ||
		time.Until(*made.APIToken.ExpiresAt) < 719*time.Hour {
		t.Errorf("token record: got %+v, want sam's, named, expiring in 720h", made.APIToken)
	}
	bearer := "Bearer " + made.Token
	var me userDoc
	if r := e.call(nil, "GET", "/api/v1/me", nil, "Authorization", bearer); r.Status == http.StatusOK {
		r.decode(t, &me)
	}
	if me.User.ID != scorer.ID {
		t.Errorf("GET /api/v1/me with the new token: got user %+v, want sam", me.User)
	}
	var who sessionDoc
	e.call(nil, "GET", "/api/v1/session", nil, "Authorization", bearer).decode(t, &who)
	if who.User.ID != scorer.ID || who.Session != nil || who.APIToken == nil || who.APIToken.ID != made.APIToken.ID {
		t.Errorf("GET /api/v1/session with a token: got %+v, want sam, no session, and the token", who)
	}

	tests := []struct {
		name       string
		auth       string
		body       any
		wantStatus int
		wantMsg    string
	}{
		{"no name", sam, newTokenRequest{TTL: "1h"}, 400, "name is required"},
		{"bad ttl", sam, newTokenRequest{Name: "x", TTL: "a week"}, 400, `ttl "a week" is not a duration`},
		{"negative ttl", sam, newTokenRequest{Name: "x", TTL: "-1h"}, 400, "ttl -1h0m0s is out of range"},
		{"scorer for another user", sam, newTokenRequest{Name: "x", UserID: admin.ID}, 403, "only admins may make API tokens for other users"},
		{"admin for an unknown user", ada, newTokenRequest{Name: "x", UserID: 999}, 404, ""},
		{"token outliving its maker", bearer, newTokenRequest{Name: "forever"}, 400, "give a ttl of at most"},
		{"admin for a scorer", ada, newTokenRequest{Name: "for sam", UserID: scorer.ID}, 201, ""},
	}
	for _, tt := range tests {
		want(t, tt.name, e.call(nil, "POST", "/api/v1/tokens", tt.body, "Authorization", tt.auth), tt.wantStatus, tt.wantMsg)
	}

	// Listing: one's own; everyone's for admins with all=true.
	count := func(auth, query string) int {
		var l tokenList
		r := e.call(nil, "GET", "/api/v1/tokens"+query, nil, "Authorization", auth)
		if r.Status != http.StatusOK {
			t.Errorf("GET /api/v1/tokens%s: got %d %s, want 200", query, r.Status, r.Body)
			return -1
		}
		r.decode(t, &l)
		return len(l.APITokens)
	}
	if got := count(sam, ""); got != 3 { // bearer's, the test's, the admin's for sam
		t.Errorf("sam's tokens: got %d, want 3", got)
	}
	if got := count(ada, "?all=true"); got != 4 {
		t.Errorf("all tokens: got %d, want 4", got)
	}
	want(t, "scorer lists all", e.call(nil, "GET", "/api/v1/tokens?all=true", nil, "Authorization", sam), 403, "only admins may list everyone's API tokens")

	// Revoking: a scorer may not revoke an admin's token; their own, yes.
	adaID := tokenID(t, ada)
	want(t, "scorer revokes the admin's token", e.call(nil, "DELETE", "/api/v1/tokens/"+adaID, nil, "Authorization", sam), 403, "revoke another user's API token")
	want(t, "scorer reads the admin's token", e.call(nil, "GET", "/api/v1/tokens/"+adaID, nil, "Authorization", sam), 403, "see another user's API token")
	want(t, "admin reads sam's token", e.call(nil, "GET", "/api/v1/tokens/"+made.APIToken.ID, nil, "Authorization", ada), 200, "")
	if loc := r.Header.Get("Location"); loc != "/api/v1/tokens/"+made.APIToken.ID {
		t.Errorf("Location of the new token: got %q, want /api/v1/tokens/%s", loc, made.APIToken.ID)
	}
	want(t, "revoke an unknown token", e.call(nil, "DELETE", "/api/v1/tokens/nope", nil, "Authorization", sam), 404, "")
	r = e.call(c, "DELETE", "/api/v1/tokens/"+made.APIToken.ID, nil)
	var revoked tokenDoc
	if r.Status == http.StatusOK {
		r.decode(t, &revoked)
	}
	if r.Status != http.StatusOK || revoked.APIToken.RevokedAt == nil {
		t.Fatalf("DELETE /api/v1/tokens/%s: got %d %s, want 200 with revoked_at", made.APIToken.ID, r.Status, r.Body)
	}
	r = e.call(nil, "GET", "/api/v1/me", nil, "Authorization", bearer)
	want(t, "a revoked token", r, http.StatusUnauthorized,
		fmt.Sprintf("API token %s was revoked at %s", made.APIToken.ID, revoked.APIToken.RevokedAt.UTC().Format(time.RFC3339)))
	if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, "invalid_token") {
		t.Errorf("WWW-Authenticate: got %q, want invalid_token", got)
	}
	// An admin revokes anyone's.
	want(t, "admin revokes sam's token", e.call(nil, "DELETE", "/api/v1/tokens/"+tokenID(t, sam), nil, "Authorization", ada), 200, "")
	want(t, "sam's revoked test token", e.call(nil, "GET", "/api/v1/me", nil, "Authorization", sam), 401, "was revoked at")
}

// TestExpiredToken checks both checks of expiry: the JWT's exp claim, and
// the stored record's expiry (the same instant, seen by the store).
func TestExpiredToken(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	u := e.user("ada@example.org", match.RoleAdmin)
	now := time.Now().UTC().Truncate(time.Second)
	exp := now.Add(-time.Hour)
	rec := match.APIToken{ID: "expired-token-0001", UserID: u.ID, Name: "old", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: &exp}
	if err := e.db.CreateAPIToken(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	sign := func(claims jwt.RegisteredClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, apiClaims{claims}).SignedString(e.key)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	base := jwt.RegisteredClaims{Issuer: tokenIssuer, Subject: strconv.FormatInt(u.ID, 10), ID: rec.ID, IssuedAt: jwt.NewNumericDate(rec.CreatedAt)}
	withExp := base
	withExp.ExpiresAt = jwt.NewNumericDate(exp)
	tests := []struct {
		name string
		auth string
	}{
		{"exp claim in the past", sign(withExp)},
		{"record expired, claim without exp", sign(base)},
	}
	for _, tt := range tests {
		r := e.call(nil, "POST", "/api/v1/matches", `{}`, "Authorization", tt.auth)
		want(t, tt.name, r, http.StatusUnauthorized, "expired at "+exp.Format(time.RFC3339))
	}
}

// tokenID is the jti of a bearer header's token.
func tokenID(t *testing.T, bearer string) string {
	t.Helper()
	var c apiClaims
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimPrefix(bearer, "Bearer "), &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestTokenNameRoundTrip: a token's name with HTML, quotes, emoji and
// right-to-left text comes back as it was sent.
func TestTokenNameRoundTrip(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	ada := e.bearer(e.user("ada@example.org", match.RoleAdmin))
	const name = `<b>"Tribune" & 'Cie'</b> ⚽🏆 الأهلي ` + "\u202eRTL\u202c e\u0301"
	var made issuedToken
	e.call(nil, "POST", "/api/v1/tokens", newTokenRequest{Name: name}, "Authorization", ada).decode(t, &made)
	var got tokenDoc
	e.call(nil, "GET", "/api/v1/tokens/"+made.APIToken.ID, nil, "Authorization", ada).decode(t, &got)
	if made.APIToken.Name != name || got.APIToken.Name != name {
		t.Errorf("token name: made %q, read back %q, want %q", made.APIToken.Name, got.APIToken.Name, name)
	}
}
