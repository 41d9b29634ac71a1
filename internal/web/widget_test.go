package web

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/web/widget"
)

// widgetBudget is the most that the widget may weigh, gzipped: widget.js
// and everything it loads to show a match (it loads nothing else: its
// styles and words are in it).
const widgetBudget = 6 << 10

// rawGet gets path as a browser would, asking for gzip, without letting
// the client decode it: the body is what went over the wire.
func rawGet(t *testing.T, a *testAPI, path string, header http.Header) response {
	t.Helper()
	r, err := http.NewRequestWithContext(t.Context(), "GET", a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Accept-Encoding", "gzip")
	for k, vs := range header {
		r.Header[k] = vs
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(r)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

func TestWidgetSizeBudget(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	got := rawGet(t, a, "/widget.js", nil)
	wantStatus(t, "GET /widget.js", got, http.StatusOK)
	if ce := got.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("GET /widget.js with Accept-Encoding gzip: Content-Encoding %q, want gzip", ce)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(got.Body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("widget.js: %d bytes, %d gzipped (budget %d)", len(plain), len(got.Body), widgetBudget)
	if len(got.Body) > widgetBudget {
		t.Errorf("widget.js is %d bytes gzipped, over its budget of %d", len(got.Body), widgetBudget)
	}
	// It loads nothing: no import, no stylesheet, no other script.
	for _, s := range []string{"import(", "<link", "createElement(\"script\")", "eval(", "new Function"} {
		if strings.Contains(string(plain), s) {
			t.Errorf("widget.js contains %q", s)
		}
	}
}

func TestWidgetScriptCaching(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	w, err := widget.Widget()
	if err != nil {
		t.Fatal(err)
	}
	got := rawGet(t, a, "/widget.js", nil)
	wantStatus(t, "GET /widget.js", got, http.StatusOK)
	etag := got.Header.Get("ETag")
	for k, want := range map[string]string{
		"ETag": w.ETag, "Cache-Control": widget.ShortCache, "Content-Type": "text/javascript; charset=utf-8",
		"Access-Control-Allow-Origin": "*", "Vary": "Accept-Encoding",
	} {
		if got := got.Header.Get(k); got != want {
			t.Errorf("GET /widget.js: %s %q, want %q", k, got, want)
		}
	}
	again := rawGet(t, a, "/widget.js", http.Header{"If-None-Match": {etag}})
	if again.Status != http.StatusNotModified || len(again.Body) != 0 {
		t.Errorf("GET /widget.js with If-None-Match %s: got %d and %d bytes, want 304 and none", etag, again.Status, len(again.Body))
	}
	if stale := rawGet(t, a, "/widget.js", http.Header{"If-None-Match": {`"stale"`}}); stale.Status != http.StatusOK {
		t.Errorf("GET /widget.js with a stale ETag: got %d, want 200", stale.Status)
	}

	// The hashed copy is the same script, immutable.
	pinned := rawGet(t, a, "/"+w.Name, nil)
	wantStatus(t, "GET /"+w.Name, pinned, http.StatusOK)
	if cc := pinned.Header.Get("Cache-Control"); cc != widget.ImmutableCache {
		t.Errorf("GET /%s: Cache-Control %q, want %q", w.Name, cc, widget.ImmutableCache)
	}
	if string(pinned.Body) != string(got.Body) {
		t.Errorf("GET /%s differs from GET /widget.js", w.Name)
	}
	if !regexp.MustCompile(`^sha384-[A-Za-z0-9+/]{64}$`).MatchString(w.Integrity) {
		t.Errorf("Integrity %q is not a sha384 SRI value", w.Integrity)
	}
	snippet, err := WidgetSnippet("https://scores.example.org")
	if err != nil || !strings.Contains(snippet, w.Integrity) || !strings.Contains(snippet, "/"+w.Name) {
		t.Errorf("WidgetSnippet: got %q, %v, want the hashed name and integrity", snippet, err)
	}
	wantStatus(t, "GET an old hash", rawGet(t, a, "/widget.000000000000.js", nil), http.StatusNotFound)
	head, err := http.Head(a.URL + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusOK || head.Header.Get("ETag") != w.ETag {
		t.Errorf("HEAD /widget.js: got %d with ETag %q, want 200 with %q", head.StatusCode, head.Header.Get("ETag"), w.ETag)
	}
}

func TestPublicPages(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	_, admin := a.user("admin@example.org", match.RoleAdmin)
	comp := a.do(req{Method: "POST", Path: "/api/v1/competitions", Token: admin, Body: map[string]any{"name": "Ligue 1", "sport": "football", "season": "2026", "slug": "ligue-1"}})
	wantStatus(t, "POST /api/v1/competitions", comp, http.StatusCreated)
	var c match.Competition
	comp.decode(t, &c)
	in := footballInput(hardNames[0], "Lens")
	delete(in, "competition")
	in["competition_id"] = c.ID
	doc := a.createMatch(admin, in)
	id := doc.Match.ID
	a.record(admin, id, map[string]any{"kind": "match_start"}, http.StatusCreated)
	a.record(admin, id, map[string]any{"kind": "score", "team": "home", "score_kind": "goal", "player": "Jonathan David"}, http.StatusCreated)

	page := func(path string) (response, string) {
		t.Helper()
		got := a.do(req{Method: "GET", Path: path})
		wantStatus(t, "GET "+path, got, http.StatusOK)
		return got, string(got.Body)
	}
	t.Run("match page", func(t *testing.T) {
		got, body := page(fmt.Sprintf("/matches/%d", id))
		for _, want := range []string{
			`property="og:title" content="&lt;b&gt;&#34;Olympique&#34;`, `1–0 Lens"`, `name="twitter:card" content="summary"`,
			`type="application/json+oembed"`, `<scoreboard-match match="` + fmt.Sprint(id) + `"`, `integrity="sha384-`,
			`<script type="application/json">`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("GET /matches/%d: no %s in\n%s", id, want, body)
			}
		}
		if strings.Contains(body, "<b>\"Olympique") {
			t.Errorf("GET /matches/%d: a name's HTML is not escaped", id)
		}
		csp := got.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || got.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET /matches/%d: CSP %q, X-Frame-Options %q, want no framing", id, csp, got.Header.Get("X-Frame-Options"))
		}
	})
	t.Run("embed page", func(t *testing.T) {
		got, body := page(fmt.Sprintf("/embed/matches/%d?theme=dark&lang=fr", id))
		if csp := got.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || got.Header.Get("X-Frame-Options") != "" {
			t.Errorf("embed: CSP %q and X-Frame-Options %q, want framing allowed", csp, got.Header.Get("X-Frame-Options"))
		}
		for _, want := range []string{`<b>1</b>`, `<b>0</b>`, `theme="dark"`, `lang="fr"`, `src="/embed.`} {
			if !strings.Contains(body, want) {
				t.Errorf("embed: no %s in the first paint\n%s", want, body)
			}
		}
		for accept, want := range map[string]string{"de-CH, de;q=0.9": `lang="de-CH"`, "": `lang="en"`, "*": `lang="en"`} {
			got := a.do(req{Method: "GET", Path: fmt.Sprintf("/embed/matches/%d", id), Header: http.Header{"Accept-Language": {accept}}})
			if !strings.Contains(string(got.Body), want) {
				t.Errorf("embed with Accept-Language %q: no %s", accept, want)
			}
		}
	})
	t.Run("competition page", func(t *testing.T) {
		day := doc.Match.KickOff.UTC().Format("2006-01-02")
		_, body := page("/competitions/ligue-1?tz=UTC&date=" + day)
		for _, want := range []string{`<scoreboard-matches competition="ligue-1" date="` + day + `"`, "<b>1</b>", `og:title" content="Ligue 1"`, "Lens"} {
			if !strings.Contains(body, want) {
				t.Errorf("competition page: no %s in\n%s", want, body)
			}
		}
		page("/embed/competitions/ligue-1")
	})
	t.Run("widget page", func(t *testing.T) {
		_, body := page("/widget")
		for _, want := range []string{"script-src " + a.URL, "connect-src " + a.URL, "--sb-accent", `<scoreboard-match match="`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET /widget: no %s", want)
			}
		}
	})
	t.Run("oembed", func(t *testing.T) {
		got := a.do(req{Method: "GET", Path: "/oembed?format=json&url=" + url.QueryEscape(fmt.Sprintf("%s/matches/%d", a.URL, id)) + "&maxwidth=300"})
		wantStatus(t, "GET /oembed", got, http.StatusOK)
		var o oembedDoc
		got.decode(t, &o)
		if o.Version != "1.0" || o.Type != "rich" || o.Width != 300 || !strings.Contains(o.HTML, fmt.Sprintf(`src="%s/embed/matches/%d"`, a.URL, id)) {
			t.Errorf("GET /oembed: got %+v", o)
		}
		if got.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("GET /oembed: no CORS")
		}
		var oc oembedDoc
		a.do(req{Method: "GET", Path: "/oembed?url=" + url.QueryEscape(a.URL+"/competitions/ligue-1")}).decode(t, &oc)
		if !strings.Contains(oc.HTML, "/embed/competitions/ligue-1") {
			t.Errorf("GET /oembed for a competition: got %+v", oc)
		}
	})
	bad := []struct {
		path   string
		status int
		part   string
	}{
		{"/oembed", 400, "url is required"},
		{"/oembed?url=" + strings.Repeat("a", maxOEmbedURL+1), 400, "at most 2048"},
		{"/oembed?format=xml&url=" + url.QueryEscape(a.URL+"/matches/1"), 501, "format=json"},
		{"/oembed?url=" + url.QueryEscape("https://elsewhere.example/matches/1"), 404, "no oEmbed"},
		{"/oembed?url=" + url.QueryEscape(a.URL+"/admin"), 404, "no oEmbed"},
		{"/oembed?url=" + url.QueryEscape(a.URL+"/matches/999999"), 404, ""},
		{"/oembed?maxwidth=0&url=" + url.QueryEscape(a.URL+"/matches/1"), 400, "maxwidth"},
		{fmt.Sprintf("/embed/matches/%d?theme=neon", id), 400, "theme"},
		{fmt.Sprintf("/embed/matches/%d?lang=%s", id, strings.Repeat("x", 40)), 400, "lang"},
		{fmt.Sprintf("/embed/matches/%d?lang=fr%%22%%3E", id), 400, "lang"},
		{"/embed/matches/abc", 400, "not an id"},
		{"/matches/999999", 404, ""},
		{"/competitions/nope", 404, ""},
		{"/competitions/ligue-1?date=yesterday", 400, "date"},
	}
	for _, b := range bad {
		got := a.do(req{Method: "GET", Path: b.path})
		// oEmbed answers in JSON, the pages in HTML.
		msg := string(got.Body)
		if strings.HasPrefix(got.Header.Get("Content-Type"), "application/json") {
			var e errorBody
			json.Unmarshal(got.Body, &e)
			msg = e.Error.Message
		} else if !strings.HasPrefix(got.Header.Get("Content-Type"), "text/html") || !strings.Contains(msg, "<h1>") {
			t.Errorf("GET %.80s: got %s, want an HTML page", b.path, got.Header.Get("Content-Type"))
		}
		if got.Status != b.status || !strings.Contains(msg, b.part) {
			t.Errorf("GET %.80s: got %d %q, want %d with %q", b.path, got.Status, msg, b.status, b.part)
		}
	}
}
