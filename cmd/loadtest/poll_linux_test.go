package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The poller's sockets are edge-triggered: epoll reports data once, so a
// socket that holds more than one read takes must be read until it is
// empty. Here the hub writes 4,000 updates, several times the read
// buffer, in one go and then stays silent: every update must be counted
// without a byte more coming.
func TestPollerReadsEverythingAtOnce(t *testing.T) {
	const updates = 4000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	silent := make(chan struct{})
	defer close(silent)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer conn.Close()
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
			t.Errorf("read the request: %v", err)
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n:\n\n")
		time.Sleep(50 * time.Millisecond) // the stream is the poller's by now
		var b strings.Builder
		for seq := range updates {
			b.WriteString(update("r", seq))
		}
		if b.Len() < 4*64<<10 {
			t.Errorf("the updates are %d bytes, not several reads of the poller's buffer", b.Len())
		}
		io.WriteString(conn, b.String())
		<-silent // open, and nothing more, until the test ends
	}()

	wk, _ := testStream(false, false)
	wk.spec.Expected, wk.spec.Readers = []int{updates}, 2
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/.well-known/mercure?topic=t")
	st, err := wk.handshake(conn, 0, u, subState{expected: updates, seen: make([]uint64, updates/64+1)})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	wk.poller = newPoller(t.Context(), wk)
	wk.streams.Add(1)
	if !wk.poller.add(st) {
		t.Fatal("the poller did not take a plain TCP stream")
	}
	deadline := time.Now().Add(10 * time.Second)
	for wk.received.Load() < updates && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := wk.received.Load(); got != updates {
		t.Errorf("got %d updates, want %d: the poller left data in the socket", got, updates)
	}
}
