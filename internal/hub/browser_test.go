package hub_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
	"github.com/scoreboard/scoreboard/internal/hub"
)

// The reference hub's users, unchanged: a page opened straight from a file
// (Origin: null) subscribes with a plain EventSource, and a script
// publishes with a form POST and an HS256 JWT; the page gets the update.
func TestEventSourceOnAFilePageReceivesAFormPublishedUpdate(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	topic := "https://example.com/books/1"
	page := filepath.Join(t.TempDir(), "page.html")
	html := `<!doctype html><title>mercure</title><script>
const url = new URL(` + strconv.Quote(th.url) + `);
url.searchParams.append('topic', ` + strconv.Quote(topic) + `);
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
	id := th.publish(t, form{"topic": {topic}, "data": {"it works"}})
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.message", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("waiting for the message: %v", err)
	}
	if want := id + " it works"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
