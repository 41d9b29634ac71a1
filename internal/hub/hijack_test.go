//go:build linux

package hub_test

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// rawSubscribe opens a subscription over HTTP/1.1 by hand (a client with
// no goroutine of its own) and reads the response's head.
func rawSubscribe(t *testing.T, th *testHub, topic string) (net.Conn, *bufio.Reader) {
	t.Helper()
	u, err := url.Parse(th.url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(streamTimeout))
	fmt.Fprintf(c, "GET %s?topic=%s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Path, url.QueryEscape(topic), u.Host)
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read the response head: %v", err)
		}
		if line == "\r\n" {
			return c, r
		}
	}
}

// TestIdleStreamsParkNoGoroutine: once their streams are open, idle
// HTTP/1.1 subscribers hold no goroutine of the server (the hijacked
// path); they still get updates, as one chunk each, and a client that
// hangs up is unregistered without any write to find out.
func TestIdleStreamsParkNoGoroutine(t *testing.T) {
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	const n = 200
	topic := "https://example.com/idle"
	before := runtime.NumGoroutine()
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range n {
		conns[i], readers[i] = rawSubscribe(t, th, topic)
	}
	waitFor(t, func() bool { return th.SubscriberCount() == n }, "every subscriber registered")
	time.Sleep(100 * time.Millisecond) // the handlers return after the hijack
	if grown := runtime.NumGoroutine() - before; grown > n/10 {
		t.Errorf("goroutines grew by %d for %d idle streams, want at most %d", grown, n, n/10)
	}
	th.Dispatch(hub.Update{ID: "urn:example:1", Topics: []string{topic}, Data: "hello", Seq: 1})
	for i, r := range readers {
		var got strings.Builder
		for !strings.Contains(got.String(), "data: hello\n") {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("subscriber %d: %v after %q", i, err, got.String())
			}
			got.WriteString(line)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, func() bool { return th.SubscriberCount() == 0 }, "every subscriber that hung up unregistered")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(streamTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", streamTimeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
