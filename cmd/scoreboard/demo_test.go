package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
)

// TestDemoPageInBrowser uses the hub's debugging page (DEMO=1) as its user
// does, in a real browser: subscribe to a URI template, publish a public and
// then a private update with a printed token, and watch both arrive.
func TestDemoPageInBrowser(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t, "DEMO", "1")
	srv := startServe(t, vars)
	r := runCmd(t, vars, "", "token", "hub", "--publish", "*", "--subscribe", "https://example.org/demo/{id}", "--subscribe", "/.well-known/mercure/subscriptions{/topic}{/subscriber}")
	if r.err != nil {
		t.Fatalf("token hub: %v", r.err)
	}
	token := strings.TrimSpace(r.stdout)

	ctx := browsertest.New(t, 60*time.Second)
	poll := func(what, expr string) string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("waiting for %s: %v; the page says:\n%s", what, err, text)
		}
		return got
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/.well-known/mercure/ui/"),
		chromedp.SetValue(chromedp.CSS("#sub-topics"), "https://example.org/demo/{id}"),
		chromedp.SetValue(chromedp.CSS("#sub-token"), token),
		chromedp.Click(chromedp.CSS("#sub-start")),
	); err != nil {
		t.Fatalf("subscribe on the page: %v", err)
	}
	poll("the subscription to open", `document.getElementById("sub-status").textContent === "Subscribed." && "yes"`)

	for _, tt := range []struct{ data, private, typ string }{
		{"a public hello", "false", ""},
		{"a private hello", "true", ""},
		{"a typed hello", "false", "goal"}, // EventSource hands it only to "goal" listeners
	} {
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#pub-topics"), "https://example.org/demo/7"),
			chromedp.SetValue(chromedp.CSS("#pub-data"), tt.data),
			chromedp.Evaluate[chromedp.Void](`void (document.getElementById("pub-type").value = `+jsString(tt.typ)+`)`),
			chromedp.Evaluate[chromedp.Void](`void (document.getElementById("pub-private").checked = `+tt.private+`)`),
			chromedp.SetValue(chromedp.CSS("#pub-token"), token),
			chromedp.Click(chromedp.CSS("#pub-send")),
		); err != nil {
			t.Fatalf("publish %q on the page: %v", tt.data, err)
		}
		status := poll("the publish answer", `(s => s.startsWith("Publishing") ? false : s)(document.getElementById("pub-status").textContent)`)
		if !strings.HasPrefix(status, "Published urn:uuid:") {
			t.Fatalf("publish %q: the page says %q, want Published and the update's id", tt.data, status)
		}
		id := strings.TrimPrefix(status, "Published ")
		got := poll("the update to arrive", `(li => li && li.textContent.includes(`+jsString(tt.data)+`) && li.textContent)(document.querySelector("#updates li"))`)
		if !strings.Contains(got, id) || !strings.Contains(got, tt.typ) {
			t.Errorf("newest update on the page: got %q, want it to show the id %s and the type %q", got, id, tt.typ)
		}
	}

	// The page's own subscription is listed, with the selector it used.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#subs-load"))); err != nil {
		t.Fatalf("list the subscriptions: %v", err)
	}
	subs := poll("the subscriptions list", `(s => s.includes('"type": "Subscriptions"') && s)(document.getElementById("subs").textContent)`)
	if want := `"topic": "https://example.org/demo/{id}"`; !strings.Contains(subs, want) {
		t.Errorf("subscriptions list on the page: got\n%s\nwant it to contain %s", subs, want)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// TestFilePageEventSource plays the reference hub's users against the
// binary with its defaults: a page opened straight from a file (Origin:
// null) subscribes with a plain EventSource, and a script publishes with a
// form POST and a token made by hand with JWT_KEY; the page gets the update.
func TestFilePageEventSource(t *testing.T) {
	t.Parallel()
	const secret = "a-reference-hub-user-JWT_KEY-0123456789"
	srv := startServe(t, sqliteEnv(t, "JWT_KEY", secret))
	hubURL := srv.URL + "/.well-known/mercure"
	const topic = "https://example.org/books/1"
	page := filepath.Join(t.TempDir(), "page.html")
	html := `<!doctype html><title>mercure</title><script>
const url = new URL(` + jsString(hubURL) + `);
url.searchParams.append("topic", ` + jsString(topic) + `);
const es = new EventSource(url);
window.opened = new Promise((resolve, reject) => { es.onopen = () => resolve(true); es.onerror = () => reject(new Error("EventSource failed, readyState " + es.readyState)); });
window.message = new Promise(resolve => { es.onmessage = e => resolve(e.lastEventId + " " + e.data); });
</script>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.opened", chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("EventSource did not open: %v", err)
	}
	id := publish(t, hubURL, handMadeToken(t, secret), url.Values{"topic": {topic}, "data": {"it works"}})
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.message", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("waiting for the message: %v", err)
	}
	if want := id + " it works"; got != want {
		t.Errorf("the page got %q, want %q", got, want)
	}
}
