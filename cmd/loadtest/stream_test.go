package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// chunked encodes body as HTTP/1.1 chunks of at most size bytes, with
// the last chunk.
func chunked(body string, size int) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	return b.String() + "0\r\n\r\n"
}

// testStream is a stream of a worker that expects two updates of run
// "r" on one topic.
func testStream(burst bool, isChunked bool) (*worker, *stream) {
	wk := &worker{spec: workerSpec{Run: "r", Topics: []string{"t"}, Expected: []int{2}, Burst: burst, ExpectSeq: 1 << 40},
		distinct: map[int]map[int]int{}, finalSeq: map[int64]int{}}
	s := subState{expected: 2, last: time.Now()}
	return wk, wk.newStream(0, nil, isChunked, s)
}

func update(run string, seq int) string {
	data, _ := json.Marshal(payload{Run: run, Seq: seq, Sent: time.Now().UnixNano()})
	return "id: u" + fmt.Sprint(seq) + "\ndata: " + string(data) + "\n\n"
}

// A stream's bytes may come cut anywhere: in a chunk's size, its CRLF,
// a line. Whatever the cuts, every update is counted once, padding
// (a line too long to keep) is skipped and another run's update is
// foreign.
func TestStreamParsesWhateverTheCuts(t *testing.T) {
	body := ":\n" + update("r", 0) + "data: pad:" + strings.Repeat("x", 3*maxLine) + "\n\n" + update("other", 5) + update("r", 1) + ": heartbeat\n"
	for _, chunk := range []int{1, 7, 64, len(body)} {
		wire := chunked(body, chunk)
		for _, piece := range []int{1, 2, 3, 5, 16, 100, len(wire)} {
			t.Run(fmt.Sprintf("chunks of %d, read %d at a time", chunk, piece), func(t *testing.T) {
				wk, st := testStream(false, true)
				for b := wire; len(b) > 0; {
					n := min(piece, len(b))
					if err := st.feed([]byte(b[:n]), time.Now()); err != nil {
						t.Fatalf("feed: %v", err)
					}
					b = b[n:]
				}
				if got := wk.received.Load(); got != 2 {
					t.Errorf("got %d received, want 2", got)
				}
				if got := wk.foreign.Load(); got != 1 {
					t.Errorf("got %d foreign, want 1 (the other run's)", got)
				}
				if !st.finished {
					t.Error("got the stream not finished after the last chunk, want finished")
				}
				if st.lines != 13 {
					t.Errorf("got %d lines, want 13", st.lines)
				}
			})
		}
	}
}

// A stream that is not chunked (HTTP/1.0, or read to the connection's
// end) is lines alone.
func TestStreamWithoutChunks(t *testing.T) {
	wk, st := testStream(false, false)
	body := ":\n" + update("r", 0) + update("r", 1)
	for i := range len(body) {
		if err := st.feed([]byte(body[i:i+1]), time.Now()); err != nil {
			t.Fatalf("feed: %v", err)
		}
	}
	if got := wk.received.Load(); got != 2 {
		t.Errorf("got %d received, want 2", got)
	}
}

// A match's state is longer than a publish's lines: a burst's stream
// keeps lines whole up to maxMatchLine, and counts longer ones foreign.
func TestStreamKeepsLongMatchLines(t *testing.T) {
	wk, st := testStream(true, true)
	pad := strings.Repeat("x", 2*maxLine)
	state := fmt.Sprintf(`{"seq":3,"pad":%q,"events":[{"text":"%sr %d"}]}`, pad, textPrefix, time.Now().UnixNano())
	tooLong := fmt.Sprintf(`{"seq":4,"pad":%q}`, strings.Repeat("x", maxMatchLine))
	if err := st.feed([]byte(chunked("data: "+state+"\n\ndata: "+tooLong+"\n\n", 100)), time.Now()); err != nil {
		t.Fatalf("feed: %v", err)
	}
	if got := wk.received.Load(); got != 1 {
		t.Errorf("got %d received, want 1", got)
	}
	if st.s.seq != 3 {
		t.Errorf("got seq %d, want 3", st.s.seq)
	}
	if got := wk.foreign.Load(); got != 1 {
		t.Errorf("got %d foreign, want 1 (the line over %d bytes)", got, maxMatchLine)
	}
	if cap(st.line) > keptLine {
		t.Errorf("got a line buffer of %d bytes kept after the long lines, want at most %d", cap(st.line), keptLine)
	}
}

// Broken chunk framing is an error, not a guess.
func TestStreamRefusesBrokenChunks(t *testing.T) {
	for _, wire := range []string{"zz\r\n", "\r\n", "40000001\r\n"} {
		_, st := testStream(false, true)
		if err := st.feed([]byte(wire), time.Now()); !errors.Is(err, errChunk) {
			t.Errorf("%q: got %v, want %v", wire, err, errChunk)
		}
	}
}

// A match update is read without decoding it whole: the summary's seq,
// not an event's, and the newest send time among this run's events.
func TestReadMatchUpdate(t *testing.T) {
	prefix := textPrefix + "r "
	st := match.State{Summary: match.Summary{ID: 3, Sport: "football", Status: match.StatusLive, Seq: 42}}
	events := []match.Event{
		{MatchID: 3, Seq: 41, Kind: match.KindNote, EventDetail: match.EventDetail{Text: prefix + "1000"}},
		{MatchID: 3, Seq: 42, Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: 41, Text: prefix + "2000"}},
		{MatchID: 3, Seq: 40, Kind: match.KindNote, EventDetail: match.EventDetail{Text: textPrefix + "other 9000"}},
	}
	data, err := match.EncodeUpdate(st, events...)
	if err != nil {
		t.Fatal(err)
	}
	seq, sent, ok := readMatchUpdate(data, prefix)
	if seq != 42 || sent != 2000 || !ok {
		t.Errorf("got seq %d, sent %d, ok %v from %s; want 42, 2000, true", seq, sent, ok, data)
	}
	for _, bad := range []string{`"seq":3`, `{"id":1}`, `{"seq":0}`, `pad:xxxx`} {
		if _, _, ok := readMatchUpdate([]byte(bad), prefix); ok {
			t.Errorf("%s: got ok, want not a match update", bad)
		}
	}
}

// The read that brings a stream's first line may bring an update too:
// it is counted, not lost, whatever comes with the answer's header.
func TestHandshakeCountsWhatComesWithTheFirstLine(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		req, err := http.ReadRequest(bufio.NewReader(server))
		if err != nil || req.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("got request %v, %v; want a GET accepting an event stream", req, err)
			return
		}
		io.WriteString(server, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"+
			chunked(":\n\n"+update("r", 0), 16))
	}()
	wk, _ := testStream(false, true)
	u, _ := url.Parse("http://127.0.0.1:1/.well-known/mercure?topic=t")
	st, err := wk.handshake(client, 0, u, subState{expected: 2})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if st.lines == 0 || wk.received.Load() != 1 {
		t.Errorf("got %d lines and %d updates after the handshake, want the first line and the update", st.lines, wk.received.Load())
	}
}

// A stream the poller does not take (TLS, or off Linux) is read by a
// goroutine through the same parser: every update counted, and a stream
// the hub ends while the run wants it counted as cut.
func TestReadBlocking(t *testing.T) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
			t.Errorf("read the request: %v", err)
			return
		}
		first := strings.TrimSuffix(chunked(":\n\n", 64), "0\r\n\r\n") // the stream goes on
		io.WriteString(server, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+first)
		// The updates come after the handshake, cut across chunks, then
		// the hub ends the stream (the last chunk).
		io.WriteString(server, chunked(update("r", 0)+update("r", 1), 7))
	}()
	wk, _ := testStream(false, true)
	u, _ := url.Parse("http://127.0.0.1:1/.well-known/mercure?topic=t")
	st, err := wk.handshake(client, 0, u, subState{expected: 2})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	wk.streams.Add(1)
	wk.readBlocking(t.Context(), st)
	wk.streams.Wait()
	if got := wk.received.Load(); got != 2 {
		t.Errorf("got %d updates, want 2", got)
	}
	if got := wk.disconnects.Load(); got != 1 {
		t.Errorf("got %d streams counted cut, want 1: the hub ended it while the run wanted it", got)
	}
	if got := wk.distinct[0][2]; got != 1 {
		t.Errorf("got %v subscribers by distinct updates, want one with 2", wk.distinct)
	}
}
