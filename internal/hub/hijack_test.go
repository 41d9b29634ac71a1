//go:build linux

package hub_test

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// rawSubscribe opens a subscription over HTTP/1.1 by hand (a client with
// no goroutine of its own) and reads the response's head.
func rawSubscribe(t *testing.T, th *testHub, topic string) (net.Conn, *bufio.Reader) {
	t.Helper()
	return rawSubscribeProto(t, th, topic, "HTTP/1.1")
}

// rawSubscribeProto is rawSubscribe over proto: "HTTP/1.0" keeps the
// stream on net/http (only HTTP/1.1 is hijacked).
func rawSubscribeProto(t *testing.T, th *testHub, topic, proto string) (net.Conn, *bufio.Reader) {
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
	fmt.Fprintf(c, "GET %s?topic=%s %s\r\nHost: %s\r\n\r\n", u.Path, url.QueryEscape(topic), proto, u.Host)
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

// TestStalledStreamsWaitWithoutGoroutine: hijacked streams whose clients
// stop reading until their sockets are full wait for room without a
// goroutine each (not one blocked in a write per stream), and once the
// clients read again, every update reaches them, in order, before the
// write deadline.
func TestStalledStreamsWaitWithoutGoroutine(t *testing.T) {
	const n, updates = 50, 16 // 16 updates of 64 KiB: 1 MiB each, far beyond a capped socket's buffers
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: updates, WriteTimeout: time.Minute, Heartbeat: time.Hour})
	topic := "https://example.com/stalled"
	before := runtime.NumGoroutine()
	readers := make([]*bufio.Reader, n)
	for i := range n {
		_, readers[i] = rawSubscribe(t, th, topic)
	}
	waitFor(t, func() bool { return th.SubscriberCount() == n }, "every subscriber registered")
	data := strings.Repeat("x", 64<<10)
	for seq := 1; seq <= updates; seq++ {
		th.Dispatch(hub.Update{ID: fmt.Sprintf("urn:example:%d", seq), Topics: []string{topic}, Data: data, Seq: int64(seq)})
	}
	time.Sleep(200 * time.Millisecond) // the writers fill every socket and stall
	if grown := runtime.NumGoroutine() - before; grown > n/10 {
		t.Errorf("goroutines grew by %d for %d stalled streams, want at most %d", grown, n, n/10)
	}
	var wg sync.WaitGroup
	for i, r := range readers {
		wg.Go(func() {
			for seq := 1; seq <= updates; {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Errorf("subscriber %d: %v before update %d", i, err, seq)
					return
				}
				if id, ok := strings.CutPrefix(line, "id: "); ok {
					if want := fmt.Sprintf("urn:example:%d\n", seq); id != want {
						t.Errorf("subscriber %d: got id %q, want %q", i, id, want)
						return
					}
					seq++
				}
			}
		})
	}
	wg.Wait()
	if got := th.SubscriberCount(); got != n {
		t.Errorf("got %d subscribers once they read again, want all %d: none was dropped", got, n)
	}
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

// BenchmarkFanOutHijacked1000 is BenchmarkFanOutHTTP1000 with clients
// that allocate nothing (raw HTTP/1.1 connections counting the ends of
// events in a fixed buffer), so that allocs/op are the server's alone:
// one update dispatched to 1,000 hijacked streams, written and read.
func BenchmarkFanOutHijacked1000(b *testing.B) {
	const clients = 1000
	th := newHub(b, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://scores.example.org/matches/42"
	u, err := url.Parse(th.url)
	if err != nil {
		b.Fatal(err)
	}
	var pending, ready sync.WaitGroup
	ready.Add(clients)
	for range clients {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET %s?topic=%s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Path, url.QueryEscape(topic), u.Host)
		go func() {
			buf := make([]byte, 64<<10)
			var prev byte
			seen := 0 // ends of events ("\n\n"); the first is the opening comment's
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				for _, x := range buf[:n] {
					if x == '\n' && prev == '\n' {
						if seen++; seen == 1 {
							ready.Done()
						} else {
							pending.Done()
						}
					}
					prev = x
				}
			}
		}()
	}
	ready.Wait()
	data := `{"id":42,"status":"live","seq":17,"home":{"score":2},"away":{"score":1}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pending.Add(clients)
		th.Dispatch(hub.Update{ID: hub.NewID(), Topics: []string{topic}, Data: data, Seq: int64(i + 1)})
		pending.Wait()
	}
	b.ReportMetric(float64(clients)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	b.StopTimer()
	th.Shutdown()
}

// BenchmarkIdleHijacked5000 connects 5,000 raw HTTP/1.1 subscribers,
// which then stay idle, and reports the growth of the process's heap
// per subscriber once they are all connected (their client side, a bare
// net.Conn each, included): the memory an idle fan costs the server.
// Run it with -benchtime 1x.
func BenchmarkIdleHijacked5000(b *testing.B) {
	const clients = 5000
	th := newHub(b, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	u, err := url.Parse(th.url)
	if err != nil {
		b.Fatal(err)
	}
	req := []byte(fmt.Sprintf("GET %s?topic=%s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Path, url.QueryEscape("https://scores.example.org/matches/42"), u.Host))
	buf := make([]byte, 4096)
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, clients)
		for j := range conns {
			c, err := net.Dial("tcp", u.Host)
			if err != nil {
				b.Fatal(err)
			}
			conns[j] = c
			c.Write(req)
			for got := ""; !strings.HasSuffix(got, ":\n\n\r\n"); { // the head and the opening comment
				n, err := c.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				got += string(buf[:n])
			}
		}
		for th.SubscriberCount() != clients { // bounded: every stream is open
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // the handlers return after the hijack
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/clients, "heap-B/subscriber")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/clients, "stack-B/subscriber")
		for _, c := range conns {
			c.Close()
		}
		for th.SubscriberCount() != 0 {
			time.Sleep(time.Millisecond)
		}
	}
}
