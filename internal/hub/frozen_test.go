//go:build linux

package hub_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// Frozen consumers: a client that subscribes and then never reads (a
// process stopped by SIGSTOP, a phone that went to sleep) is dropped by
// the write deadline, on the hijacked path as on net/http, and what the
// server holds for it meanwhile does not grow with the updates it
// misses: at most its socket's send buffer (SendBufferSize, which Linux
// doubles) and the batch being written.

// frozenWriteTimeout is the write deadline of these tests' hubs.
const frozenWriteTimeout = 200 * time.Millisecond

// frozenUpdate is what the tests publish: 64 KiB, so that a few fill any
// socket buffer.
var frozenUpdate = strings.Repeat("x", 64<<10)

// freeze publishes updates of frozenUpdate on topic until th has no
// subscriber left (or maxUpdates: a frozen one was not dropped), and
// returns how many it published. The queue holds them all, so only the
// write deadline can drop a subscriber.
func freeze(t *testing.T, th *testHub, topic string, maxUpdates int) int {
	t.Helper()
	sent := 0
	for sent < maxUpdates && th.SubscriberCount() > 0 {
		sent++
		th.Dispatch(hub.Update{ID: "urn:example:" + strconv.Itoa(sent), Topics: []string{topic}, Data: frozenUpdate, Seq: int64(sent)})
		time.Sleep(time.Millisecond) // let the writers try
	}
	waitFor(t, func() bool { return th.SubscriberCount() == 0 }, fmt.Sprintf("the frozen subscriber dropped by the %s write deadline (after %d updates)", frozenWriteTimeout, sent))
	return sent
}

// drained reads what c's server had sent before it dropped c, until the
// close: how many bytes the server's kernel (and the client's) held.
func drained(t *testing.T, r io.Reader) int64 {
	t.Helper()
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		t.Fatalf("after %d bytes: %v, want the stream closed by the server", n, err)
	}
	return n
}

// frozenBound is the most a frozen client may read once dropped: the
// server's send buffer (SendBufferSize, doubled by Linux), what the
// client's own receive buffer took before its window closed (it never
// read, so it stays at its initial 64 KiB window), and one update of the
// batch being written. Without the cap, the server's buffer alone grows
// to megabytes.
const frozenBound = 2*hub.SendBufferSize + 128<<10 + 64<<10

// goroutinesBack waits until the goroutines are back to at most before
// (and a few more for the servers' own), once a frozen subscriber is
// dropped: no writer is left blocked on it.
func goroutinesBack(t *testing.T, before int) {
	t.Helper()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before+2 }, fmt.Sprintf("goroutines back to %d (now %d)", before, runtime.NumGoroutine()))
}

// A frozen HTTP/1.1 subscriber (the hijacked path, which caps its send
// buffer itself) and a frozen HTTP/1.0 one (kept on net/http: only
// HTTP/1.1 is hijacked; served as the binary serves the hub, on a
// listener of hub.CapSendBuffers) are dropped by the write deadline; the
// server's socket held at most its capped send buffer of the updates
// they missed, and no goroutine is left for them.
func TestFrozenSubscriberIsDroppedWithBoundedBacklog(t *testing.T) {
	for _, c := range []struct {
		proto string
		opts  []hubtest.Option
	}{{"HTTP/1.1", nil}, {"HTTP/1.0", []hubtest.Option{hubtest.CapSendBuffers()}}} {
		t.Run(c.proto, func(t *testing.T) {
			th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 4096, WriteTimeout: frozenWriteTimeout, Heartbeat: time.Hour}, c.opts...)
			topic := "https://example.com/frozen"
			before := runtime.NumGoroutine()
			_, r := rawSubscribeProto(t, th, topic, c.proto)
			waitFor(t, func() bool { return th.SubscriberCount() == 1 }, "the subscriber registered")
			sent := freeze(t, th, topic, 2000) // 125 MB: far beyond any buffer
			got := drained(t, r)
			t.Logf("dropped after %d updates of %d KiB; the client read %d KiB once it read again", sent, len(frozenUpdate)>>10, got>>10)
			if got > frozenBound {
				t.Errorf("the frozen client read %d bytes once dropped, want at most %d: the server's send buffer is not capped", got, frozenBound)
			}
			goroutinesBack(t, before)
		})
	}
}

// A frozen HTTP/2 subscriber (h2c: a stream, which cannot be hijacked)
// is dropped by the write deadline once its stream's flow-control window
// is spent, and its stream is ended.
func TestFrozenHTTP2SubscriberIsDropped(t *testing.T) {
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 4096, WriteTimeout: frozenWriteTimeout, Heartbeat: time.Hour}, hubtest.CapSendBuffers())
	topic := "https://example.com/frozen"
	before := runtime.NumGoroutine()
	tr := &http.Transport{Protocols: new(http.Protocols), HTTP2: &http.HTTP2Config{
		MaxReceiveBufferPerConnection: 64 << 10, MaxReceiveBufferPerStream: 64 << 10}}
	if base, ok := hubtest.Client().Transport.(*http.Transport); ok && base.TLSClientConfig != nil {
		tr.TLSClientConfig = base.TLSClientConfig.Clone() // hubtest's TLS mode: HTTP/2 over TLS
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, th.subURL([]string{topic}), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
	waitFor(t, func() bool { return th.SubscriberCount() == 1 }, "the subscriber registered")
	sent := freeze(t, th, topic, 2000)
	got, err := io.Copy(io.Discard, resp.Body)
	if ctx.Err() != nil {
		t.Fatalf("the stream still open after %s (read %d bytes, %v), want it ended by the server", streamTimeout, got, err)
	}
	t.Logf("dropped after %d updates of %d KiB; the client read %d KiB once it read again, then %v", sent, len(frozenUpdate)>>10, got>>10, err)
	resp.Body.Close()
	tr.CloseIdleConnections()
	goroutinesBack(t, before)
}
