package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

// location is where a 303 sends the browser, failing the test otherwise.
func location(t *testing.T, what string, p page) string {
	t.Helper()
	if p.Status != http.StatusSeeOther {
		t.Fatalf("%s: got %d, want 303; body:\n%s", what, p.Status, p.Body)
	}
	return p.Header.Get("Location")
}

func TestAdminCompetitionsTeamsImportAndMatches(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	a.user("admin@example.org", match.RoleAdmin)
	scorer, _ := a.user("scorer@example.org", match.RoleScorer)
	b := a.formClient()
	b.login("admin@example.org")

	wantPage(t, "no name", b.post("/admin/competitions", url.Values{"sport": {"football"}}), http.StatusBadRequest, `role="alert"`)
	comp := location(t, "create a competition", b.post("/admin/competitions", url.Values{"name": {"Ligue <1> \"test\" ⚽"}, "sport": {"football"}, "season": {"2026"}}))
	comp = strings.TrimSuffix(comp, "?notice=created")
	wantPage(t, "the competition", b.get(comp), http.StatusOK, "Ligue &lt;1&gt; &#34;test&#34; ⚽", "Add a team")
	for _, name := range []string{"Lyon", "Saint-Étienne"} {
		location(t, "add "+name, b.post(comp+"/teams", url.Values{"name": {name}}))
	}
	p := b.get(comp)
	wantPage(t, "the teams", p, http.StatusOK, "Lyon", "Saint-Étienne")

	csv := "date,time,time_zone,home,away,venue\n2030-05-01,20:45,Europe/Paris,Lyon,Saint-Étienne,Gerland\n2030-05-02,25:00,Europe/Paris,Lyon,Nobody,\n"
	wantPage(t, "bad rows", b.post(comp+"/fixtures", url.Values{"csv": {csv}, "action": {"preview"}}), http.StatusBadRequest,
		`id="import-problems"`, "line 3", "Nobody")
	good := "date,time,time_zone,home,away,venue\n2030-05-01,20:45,Europe/Paris,Lyon,Saint-Étienne,Gerland\n"
	wantPage(t, "preview", b.post(comp+"/fixtures", url.Values{"csv": {good}, "action": {"preview"}}), http.StatusOK,
		`id="import-preview"`, "Wed 1 May 20:45 Europe/Paris", "1 matches would be created")
	if ms, _ := a.store.Matches(t.Context(), match.MatchFilter{}); len(ms) != 0 {
		t.Fatalf("a preview stored %d matches, want 0", len(ms))
	}
	location(t, "import", b.post(comp+"/fixtures", url.Values{"csv": {good}, "action": {"import"}}))
	ms, err := a.store.Matches(t.Context(), match.MatchFilter{})
	if err != nil || len(ms) != 1 || ms[0].Home.Name != "Lyon" || ms[0].Venue != "Gerland" {
		t.Fatalf("after the import: got %+v, %v, want Lyon's match at Gerland", ms, err)
	}

	compID := strings.TrimPrefix(comp, "/admin/competitions/")
	form := b.get("/admin/matches/new?competition=" + compID)
	wantPage(t, "the new match form", form, http.StatusOK, `name="home_team_id"`, "Lyon")
	homeID := ms[0].HomeTeamID
	edit := location(t, "create a match", b.post("/admin/matches", url.Values{
		"competition_id": {compID}, "sport": {"football"}, "home_team_id": {itoa64(homeID)}, "away": {"Typed FC"},
		"kick_off": {"2030-06-01T15:00"}, "time_zone": {"America/New_York"}, "venue": {"Here"}}))
	wantPage(t, "bad time zone", b.post("/admin/matches", url.Values{"sport": {"football"}, "home": {"A"}, "away": {"B"},
		"kick_off": {"2030-06-01T15:00"}, "time_zone": {"Mars/Olympus"}}), http.StatusBadRequest, "Mars/Olympus")
	edit = strings.TrimSuffix(edit, "?notice=saved")
	id := strings.TrimSuffix(strings.TrimPrefix(edit, "/admin/matches/"), "/edit")
	m, err := a.store.Match(t.Context(), parseID(t, id))
	if err != nil || m.Away.Name != "Typed FC" || m.Home.Name != "Lyon" || m.KickOff.UTC().Hour() != 19 {
		t.Fatalf("the match made: got %+v, %v, want Lyon v Typed FC at 19:00 UTC", m, err)
	}
	wantPage(t, "the edit page", b.get(edit), http.StatusOK, "scorer@example.org", `value="2030-06-01T15:00"`)
	location(t, "assign", b.post("/admin/matches/"+id+"/scorers", url.Values{"user_id": {itoa64(scorer.ID)}, "action": {"add"}}))
	if ok, _ := a.store.IsAssigned(t.Context(), m.ID, scorer.ID); !ok {
		t.Error("the scorer is not assigned")
	}
	location(t, "edit", b.post(edit, url.Values{"competition_id": {compID}, "sport": {"football"}, "home_team_id": {itoa64(homeID)},
		"away": {"Renamed FC"}, "kick_off": {"2030-06-01T16:00"}, "time_zone": {"America/New_York"}}))
	if m, _ = a.store.Match(t.Context(), m.ID); m.Away.Name != "Renamed FC" {
		t.Errorf("after the edit: away %q, want Renamed FC", m.Away.Name)
	}

	sb := a.formClient()
	sb.login("scorer@example.org")
	wantPage(t, "a scorer on the competitions", sb.get("/admin/competitions"), http.StatusForbidden, "only admins may")
	wantPage(t, "the scorer's console", sb.get("/admin/matches/"+id), http.StatusOK, "Start match")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func parseID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

func TestAdminUsersPage(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	a.user("admin@example.org", match.RoleAdmin)
	b := a.formClient()
	b.login("admin@example.org")
	p := b.post("/admin/users", url.Values{"email": {"new@example.org"}, "role": {"scorer"}})
	wantPage(t, "add a scorer", p, http.StatusOK, "new@example.org can log in now", `id="new-password"`)
	i := strings.Index(p.Body, `<code class="secret">`)
	if i < 0 {
		t.Fatal("no generated password shown")
	}
	password := p.Body[i+len(`<code class="secret">`):]
	password = password[:strings.Index(password, "<")]
	sb := a.formClient()
	if got := sb.post("/admin/login", url.Values{"email": {"new@example.org"}, "password": {password}}); got.Status != http.StatusSeeOther {
		t.Fatalf("login with the generated password: got %d", got.Status)
	}
	wantPage(t, "taken email", b.post("/admin/users", url.Values{"email": {"new@example.org"}, "role": {"scorer"}}), http.StatusConflict, `value="new@example.org"`)
	u, err := a.store.UserByEmail(t.Context(), "new@example.org")
	if err != nil {
		t.Fatal(err)
	}
	location(t, "end sessions", b.post("/admin/users/"+itoa64(u.ID)+"/sessions", url.Values{}))
	if got := sb.get("/admin"); got.Status != http.StatusSeeOther {
		t.Errorf("the ended session still opens /admin: %d", got.Status)
	}
	wantPage(t, "reset", b.post("/admin/users/"+itoa64(u.ID)+"/password", url.Values{}), http.StatusOK, "The password of new@example.org is reset")
	if _, _, err := IssueAPIToken(t.Context(), a.store, testAPIKey, u, "stadium <display>", 0); err != nil {
		t.Fatal(err)
	}
	p = b.get("/admin/users")
	wantPage(t, "tokens", p, http.StatusOK, "stadium &lt;display&gt;", "Revoke")
	ts, _ := a.store.APITokens(t.Context(), u.ID)
	location(t, "revoke", b.post("/admin/tokens/"+ts[0].ID+"/revoke", url.Values{}))
	if ts, _ = a.store.APITokens(t.Context(), u.ID); ts[0].RevokedAt == nil {
		t.Error("the token is not revoked")
	}
}
