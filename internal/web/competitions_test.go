package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

func TestCompetitionsAndTeams(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		_, scorer := a.user("scorer@example.org", match.RoleScorer)

		got := a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: admin,
			Body: map[string]any{"name": "Ligue " + hardNames[0], "sport": "football", "season": "2026–27"}})
		wantStatus(t, "create competition", got, http.StatusCreated)
		var c match.Competition
		got.decode(t, &c)
		if c.Name != "Ligue "+hardNames[0] || c.Slug == "" || got.Header.Get("Location") != "/api/v1/competitions/"+c.Slug {
			t.Fatalf("created competition: got %+v (Location %q), want the name intact and a slug", c, got.Header.Get("Location"))
		}
		wantError(t, "a scorer creates a competition", a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: scorer,
			Body: map[string]any{"name": "X", "sport": "football"}}), http.StatusForbidden, "forbidden")
		wantError(t, "slug taken", a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: admin,
			Body: map[string]any{"name": "Other", "sport": "football", "slug": c.Slug}}), http.StatusConflict, "conflict", c.Slug)
		wantError(t, "unknown sport", a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: admin,
			Body: map[string]any{"name": "Other", "sport": "quidditch"}}), http.StatusBadRequest, "invalid", "quidditch")

		var teams [2]match.TeamProfile
		for i, name := range hardNames {
			got := a.do(req{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"name": name, "short_name": fmt.Sprintf("T%d", i), "color": "#123456",
					"crest_url": "https://crests.example.org/" + fmt.Sprint(i) + ".svg", "competition_ids": []int64{c.ID}}})
			wantStatus(t, "create team", got, http.StatusCreated)
			got.decode(t, &teams[i])
			if teams[i].Name != name || len(teams[i].CompetitionIDs) != 1 {
				t.Fatalf("created team: got %+v, want %q in competition %d", teams[i], name, c.ID)
			}
		}
		wantError(t, "team in no such competition", a.do(req{Method: "POST", Path: "/api/v1/teams", Token: admin,
			Body: map[string]any{"name": "Ghosts", "competition_ids": []int64{987654}}}), http.StatusBadRequest, "invalid", "987654")

		// A match from ids takes the names, colours and crests of the teams.
		doc := a.createMatch(admin, map[string]any{"competition_id": c.ID, "home_team_id": teams[0].ID, "away_team_id": teams[1].ID,
			"kick_off": time.Now().UTC().Format(time.RFC3339), "venue": "Stade"})
		if doc.Match.Competition != c.Name || doc.Match.Sport != "football" || doc.State.Home.Name != hardNames[0] ||
			doc.State.Away.CrestURL != teams[1].CrestURL || doc.Match.HomeTeamID != teams[0].ID {
			t.Errorf("match from ids: got %+v, state home %+v, want the competition's and teams' fields", doc.Match, doc.State.Home)
		}
		wantError(t, "no such team", a.do(req{Method: "POST", Path: "/api/v1/matches", Token: admin,
			Body: map[string]any{"competition_id": c.ID, "home_team_id": teams[0].ID, "away_team_id": 555555,
				"kick_off": time.Now().UTC().Format(time.RFC3339)}}), http.StatusBadRequest, "invalid", "away_team_id", "555555")

		// Reads by id and by slug, with the day's matches.
		for _, ref := range []string{fmt.Sprint(c.ID), c.Slug} {
			var cd competitionDoc
			got := a.do(req{Method: "GET", Path: "/api/v1/competitions/" + ref})
			wantStatus(t, "GET competition "+ref, got, http.StatusOK)
			got.decode(t, &cd)
			if cd.Competition.ID != c.ID || len(cd.Teams) != 2 || len(cd.Matches) != 1 || cd.Matches[0].Match.ID != doc.Match.ID {
				t.Errorf("GET competition %s: got %d teams and matches %+v, want 2 teams and today's match", ref, len(cd.Teams), cd.Matches)
			}
		}
		var tomorrow competitionDoc
		a.do(req{Method: "GET", Path: "/api/v1/competitions/" + c.Slug + "?date=" + time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)}).decode(t, &tomorrow)
		if len(tomorrow.Matches) != 0 {
			t.Errorf("competition's matches in two days: got %d, want none", len(tomorrow.Matches))
		}
		var list matchList
		a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches?team=%d&competition=%s", teams[1].ID, c.Slug)}).decode(t, &list)
		if len(list.Matches) != 1 || list.Matches[0].State.Home.Name != hardNames[0] {
			t.Errorf("matches of team %d: got %+v, want the one match with its state", teams[1].ID, list.Matches)
		}
		var tl teamList
		a.do(req{Method: "GET", Path: "/api/v1/teams?competition=" + c.Slug}).decode(t, &tl)
		if len(tl.Teams) != 2 {
			t.Errorf("teams of %s: got %d, want 2", c.Slug, len(tl.Teams))
		}

		// Renaming a team leaves the match as it was made; archiving hides.
		got = a.do(req{Method: "PATCH", Path: fmt.Sprintf("/api/v1/teams/%d", teams[0].ID), Token: admin, Body: map[string]any{"name": "Renamed", "archived": true}})
		wantStatus(t, "PATCH team", got, http.StatusOK)
		var read matchDoc
		a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID)}).decode(t, &read)
		if read.Match.Home.Name != hardNames[0] {
			t.Errorf("after renaming the team: match's home is %q, want %q as it was made", read.Match.Home.Name, hardNames[0])
		}
		a.do(req{Method: "GET", Path: "/api/v1/teams?competition=" + c.Slug}).decode(t, &tl)
		if len(tl.Teams) != 1 {
			t.Errorf("teams after archiving one: got %d, want 1", len(tl.Teams))
		}
		got = a.do(req{Method: "PATCH", Path: "/api/v1/competitions/" + c.Slug, Token: admin, Body: map[string]any{"archived": true, "season": "2027"}})
		wantStatus(t, "archive competition", got, http.StatusOK)
		var cl competitionList
		a.do(req{Method: "GET", Path: "/api/v1/competitions"}).decode(t, &cl)
		if len(cl.Competitions) != 0 {
			t.Errorf("competitions after archiving: got %d, want none", len(cl.Competitions))
		}
		a.do(req{Method: "GET", Path: "/api/v1/competitions?archived=true"}).decode(t, &cl)
		if len(cl.Competitions) != 1 || cl.Competitions[0].Season != "2027" || !cl.Competitions[0].Archived {
			t.Errorf("competitions with archived: got %+v, want the archived one with season 2027", cl.Competitions)
		}

		// Editing a match re-publishes its state with the new fields.
		got = a.do(req{Method: "PATCH", Path: fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID), Token: admin,
			Body: map[string]any{"venue": hardNames[1], "away": map[string]any{"name": "Typed In"}}})
		wantStatus(t, "PATCH match", got, http.StatusOK)
		read = matchDoc{}
		got.decode(t, &read)
		if read.Match.Venue != hardNames[1] || read.State.Away.Name != "Typed In" || read.Match.AwayTeamID != 0 || read.State.UpdateID == doc.State.UpdateID {
			t.Errorf("PATCH match: got %+v, update %s; want the venue, a typed-in away team and a new update id", read.Match, read.State.UpdateID)
		}
	})
}

func TestImportFixtures(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		var c match.Competition
		a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: admin, Body: map[string]any{"name": "Cup", "sport": "football"}}).decode(t, &c)
		for _, name := range []string{"Lille", "Lens", hardNames[0]} {
			wantStatus(t, "create team", a.do(req{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"name": name, "competition_ids": []int64{c.ID}}}), http.StatusCreated)
		}
		path := "/api/v1/competitions/" + c.Slug + "/fixtures"
		csvReq := func(body string, query string) response {
			return a.do(req{Method: "POST", Path: path + query, Token: admin, Body: body, ContentType: "text/csv"})
		}
		bad := "date,time,time_zone,home,away,venue\n" +
			"2027-08-14,19:45,Europe/Paris,Lille,Lens,Stade Pierre-Mauroy\n" +
			"2027-13-01,19:45,Europe/Paris,Lille,Lens,\n" +
			"2027-08-21,25:00,Mars/Olympus,LIL,Nobody,\n" +
			"2027-08-28,15:00,,Lens,Lens,\n"
		got := csvReq(bad, "")
		wantError(t, "bad fixtures", got, http.StatusBadRequest, "invalid", "line 3, column 1 (date)", "nothing was imported")
		probs := got.errorOf(t).Problems
		want := []string{"line 3, column 1 (date)", "line 4, column 3 (time_zone)", "line 4, column 2 (time)", "line 4, column 5 (away)", "line 5"}
		if len(probs) != len(want) {
			t.Fatalf("problems: got %v, want %d of them", probs, len(want))
		}
		for _, w := range want {
			found := false
			for _, p := range probs {
				found = found || strings.HasPrefix(p.String(), w)
			}
			if !found {
				t.Errorf("problems %v: none at %q", probs, w)
			}
		}
		var list matchList
		a.do(req{Method: "GET", Path: "/api/v1/matches"}).decode(t, &list)
		if len(list.Matches) != 0 {
			t.Fatalf("after a refused import: %d matches stored, want none", len(list.Matches))
		}

		good := "\ufeffDate,Time,Home,Away,Venue,Time_Zone\n" +
			"2027-08-14,19:45,Lille,Lens,\"Stade \"\"Pierre\"\"-Mauroy\",Europe/Paris\n" +
			"2027-08-21,21:00,LEN," + csvQuote(hardNames[0]) + ",Bollaert,Europe/Paris\n"
		var fl fixtureList
		got = csvReq(good, "?dry_run=true")
		wantStatus(t, "dry run", got, http.StatusOK)
		got.decode(t, &fl)
		if !fl.DryRun || len(fl.Matches) != 2 || fl.Matches[0].ID != 0 {
			t.Errorf("dry run: got %+v, want two matches without ids", fl)
		}
		got = csvReq(good, "")
		wantStatus(t, "import", got, http.StatusCreated)
		got.decode(t, &fl)
		if len(fl.Matches) != 2 || fl.Matches[1].Away.Name != hardNames[0] || fl.Matches[0].Venue != `Stade "Pierre"-Mauroy` {
			t.Fatalf("import: got %+v, want both matches with their teams and venues", fl.Matches)
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		if want := time.Date(2027, 8, 14, 19, 45, 0, 0, paris); !fl.Matches[0].KickOff.Equal(want) {
			t.Errorf("kick-off: got %s, want %s", fl.Matches[0].KickOff, want)
		}
		a.do(req{Method: "GET", Path: "/api/v1/matches?competition=" + c.Slug}).decode(t, &list)
		if len(list.Matches) != 2 || list.Matches[0].State.ID != fl.Matches[0].ID {
			t.Errorf("matches after import: got %d, want 2", len(list.Matches))
		}
		for _, tt := range []struct{ name, body, ct, part string }{
			{"no header", "", "text/csv", "no header"},
			{"unknown column", "date,time,home,away,referee\n", "text/csv", "referee"},
			{"missing column", "date,home,away\n", "text/csv", `"time"`},
			{"header only", "date,time,home,away\n", "text/csv", "no fixtures"},
			{"not CSV", "{}", "application/json", "text/csv"},
			{"bad quoting", "date,time,home,away\n2027-01-01,10:00,\"Lille,Lens\n", "text/csv", "line"},
		} {
			got := a.do(req{Method: "POST", Path: path, Token: admin, Body: tt.body, ContentType: tt.ct})
			wantError(t, tt.name, got, http.StatusBadRequest, "invalid", tt.part)
		}
		big := "date,time,home,away\n" + strings.Repeat("2027-08-14,19:45,Lille,Lens\n", maxCSVBody/20)
		wantError(t, "oversized CSV", csvReq(big, ""), http.StatusRequestEntityTooLarge, "too_large")
	})
}

// csvQuote quotes a CSV field, doubling its quotes.
func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
