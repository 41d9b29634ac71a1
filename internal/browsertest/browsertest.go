// Package browsertest starts Debian's Chromium headless for tests that drive
// a real browser through chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/testenv"
)

// Path is where Debian's chromium package installs the browser; the
// CHROMIUM environment variable overrides it.
const Path = "/usr/bin/chromium"

// New starts a fresh headless Chromium for t and returns a chromedp context
// on one tab, cancelled (and the browser stopped) when t ends. The context
// carries a deadline of timeout, so a stalled page fails the test instead of
// hanging it. Without Chromium the test skips, or fails when
// SCOREBOARD_TEST_REQUIRE names chromium.
//
// chromedp v0.23 has a generic API: chromedp.Do(ctx, steps...) runs steps
// that return nothing, chromedp.Run(ctx, action) returns an action's value,
// and a selector's type picks the lookup (chromedp.CSS("#id")).
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = Path
	}
	if _, err := exec.LookPath(path); err != nil {
		testenv.Missing(t, "chromium", "no browser at "+path+" (apt-get install chromium)")
	}
	// These flags keep Chromium from reaching for the network, which this
	// machine refuses, and from stalling on the refusals.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The servers under test are on loopback, some with a certificate
		// made for the test (hubtest's TLS mode), which no CA signed.
		chromedp.Flag("ignore-certificate-errors", true),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	return tabCtx
}
