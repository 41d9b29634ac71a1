package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
	"github.com/scoreboard/scoreboard/internal/match"
)

// The browser tests run the widget in headless Chromium against the real
// server, from a host page on another origin: a listener on another
// loopback address, as a fan's browser meets it on a club's site.

// hostPages serves each page of pages at its path from 127.0.0.2, with
// the Content-Security-Policy csp if not empty.
func hostPages(t *testing.T, csp string, pages map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if csp != "" {
			w.Header().Set("Content-Security-Policy", csp)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// hostPage is a host page's HTML: a language, what goes in its head, and
// its body.
func hostPage(lang, head, body string) string {
	return `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8"><title>host</title>` + head + `</head><body>` + body + `</body></html>`
}

// countStreams is a host page script that counts the streams the page
// opens to the hub, in window.streams.
//
// It also notes the page's globals in window.globals, to compare.
const countStreams = `<script>window.streams = 0; window.globals = Object.getOwnPropertyNames(window); const f = window.fetch; window.fetch = (u, o) => { if (String(u).includes("/.well-known/mercure")) streams++; return f(u, o) };</script>`

// browserEnv is a test's server, its admin and a browser tab.
type browserEnv struct {
	*testAPI
	t     *testing.T
	admin string
	ctx   context.Context
}

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	a := newTestAPI(t, "sqlite", Deps{})
	_, admin := a.user("admin@example.org", match.RoleAdmin)
	ctx := browsertest.New(t, 90*time.Second)
	// Any exception a page throws fails the test, whether or not what it
	// broke is checked.
	var mu sync.Mutex
	var thrown []string
	chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			thrown = append(thrown, fmt.Sprintf("%s (%s:%d:%d)", ev.ExceptionDetails.Text, ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber, ev.ExceptionDetails.ColumnNumber))
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, x := range thrown {
			t.Errorf("the page threw: %s", x)
		}
	})
	return &browserEnv{testAPI: a, t: t, admin: admin, ctx: ctx}
}

// liveMatch creates a match between home and away and starts it.
func (e *browserEnv) liveMatch(home, away string) int64 {
	e.t.Helper()
	doc := e.createMatch(e.admin, footballInput(home, away))
	e.record(e.admin, doc.Match.ID, map[string]any{"kind": "match_start"}, http.StatusCreated)
	return doc.Match.ID
}

// goal records a goal of side in match id and returns its seq.
func (e *browserEnv) goal(id int64, side, player string) int64 {
	e.t.Helper()
	return e.record(e.admin, id, map[string]any{"kind": "score", "team": side, "score_kind": "goal", "player": player}, http.StatusCreated).Event.Seq
}

func (e *browserEnv) navigate(u string) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, chromedp.Navigate(u)); err != nil {
		e.t.Fatalf("navigate to %s: %v", u, err)
	}
}

// evalIn evaluates expr in e's page (see eval).
func evalIn[T any](e *browserEnv, expr string) T {
	e.t.Helper()
	return eval[T](e.t, e.ctx, expr)
}

// widgetsJS is a page function that describes each widget of the page:
// its match, its scores and what its live region said.
const widgetsJS = `JSON.stringify([...document.querySelectorAll("scoreboard-match")].map((e) => {
	const r = e.shadowRoot, q = (s) => r && r.querySelector(s);
	return {match: e.getAttribute("match"), home: q(".m .home .s")?.textContent, away: q(".m .away .s")?.textContent,
		said: q(".sr")?.textContent, goals: r ? r.querySelectorAll(".tl .g").length : 0};
}))`

// waitFor waits, generously, until expr is true in the page; what says
// what was awaited when it never is.
func (e *browserEnv) waitFor(what, expr string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		e.t.Fatalf("%s: %v; the widgets: %s", what, err, evalIn[string](e, widgetsJS))
	}
}

// scoresAre is a page expression: every widget of match id shows home
// and away.
func scoresAre(id int64, home, away int) string {
	return fmt.Sprintf(`(() => { const ws = [...document.querySelectorAll('scoreboard-match[match="%d"]')];
		return ws.length > 0 && ws.every((e) => e.shadowRoot?.querySelector(".m .home .s")?.textContent === "%d" &&
			e.shadowRoot.querySelector(".m .away .s")?.textContent === "%d"); })()`, id, home, away)
}

// waitSubscribers waits until the hub has n open streams.
func (e *browserEnv) waitSubscribers(n int) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for e.hub.Stats().Subscribers != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("the hub has %d open streams, want %d", e.hub.Stats().Subscribers, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cutProxy stands between the browser and the server: cut drops every
// connection through it and refuses new ones until restore. With buffer
// set, it holds the hub's streams and sends nothing of them, as some
// proxies and antivirus software do.
//
// With stall set, the first hub stream through it goes silent after its
// first bytes, as a connection does that died without a word.
type cutProxy struct {
	URL    string
	mu     sync.Mutex
	down   bool
	buffer bool
	stall  bool
	live   map[*http.Request]context.CancelFunc
}

// stalling passes its first write through and holds every later one
// until the request ends.
type stalling struct {
	http.ResponseWriter
	ctx    context.Context
	writes int
}

func (s *stalling) Write(b []byte) (int, error) {
	if s.writes++; s.writes > 1 {
		<-s.ctx.Done()
		return 0, s.ctx.Err()
	}
	return s.ResponseWriter.Write(b)
}

func (s *stalling) Flush() { http.NewResponseController(s.ResponseWriter).Flush() }

func newCutProxy(t *testing.T, target string, buffer bool) *cutProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{live: map[*http.Request]context.CancelFunc{}, buffer: buffer}
	rp := httputil.NewSingleHostReverseProxy(u)
	// A cut is the point: its errors are not worth a line each.
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.3: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		p.mu.Lock()
		down := p.down
		if !down {
			p.live[r] = cancel
		}
		p.mu.Unlock()
		if down {
			cancel()
			panic(http.ErrAbortHandler) // a dead network: the connection drops
		}
		defer func() {
			p.mu.Lock()
			delete(p.live, r)
			p.mu.Unlock()
			cancel()
		}()
		hubStream := strings.HasPrefix(r.URL.Path, "/.well-known/mercure")
		if p.buffer && hubStream {
			<-ctx.Done()
			return
		}
		p.mu.Lock()
		stall := p.stall && hubStream
		p.stall = p.stall && !stall
		p.mu.Unlock()
		if stall {
			w = &stalling{ResponseWriter: w, ctx: ctx}
		}
		rp.ServeHTTP(w, r.WithContext(ctx))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	// Close waits for the streams through the proxy: end them first.
	t.Cleanup(func() { p.cut(); srv.Close() })
	p.URL = srv.URL
	return p
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, cancel := range p.live {
		cancel()
	}
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
