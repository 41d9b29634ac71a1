package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"
)

// connectAttempts is how often a subscriber tries to connect before it
// counts as failed.
const connectAttempts = 3

// subscribe connects subscriber i of the worker, waits for the stream's
// first line (the hub has registered it by then), then hands the stream
// to the worker's reader, which counts what arrives until the stream or
// ctx ends.
func (wk *worker) subscribe(ctx context.Context, i int, start time.Time) {
	g := wk.spec.First + i
	t := g % len(wk.spec.Topics)
	// The stream lives in ctx, but must have its first line by ConnectBy.
	connectCtx, cancel := context.WithDeadline(ctx, wk.spec.ConnectBy)
	defer cancel()
	dialed := time.Now()
	s := subState{expected: wk.spec.Expected[t], topic: t}
	st, err := wk.connect(connectCtx, g, wk.spec.Hubs[hubOf(g, len(wk.spec.Topics), len(wk.spec.Hubs))], wk.spec.Topics[t], s)
	if err != nil && connectCtx.Err() != nil && ctx.Err() == nil {
		err = errNotConnected(wk.spec.ConnectBy, err)
	}
	<-wk.sem
	if err != nil {
		wk.fail(start, err)
		return
	}
	wk.connectLat.add(time.Since(dialed))
	wk.connected.Add(1)
	storeMax(&wk.lastConnect, time.Now().UnixNano())
	wk.settle(start)
	st.s.last = time.Now()
	if st.s.expected == 0 && !wk.spec.Burst {
		wk.markComplete()
	}
	wk.streams.Add(1)
	wk.read(ctx, st)
}

// ended counts st's stream as over, for err: cut by the hub when the run
// (ctx) still wanted it.
func (wk *worker) ended(ctx context.Context, st *stream, err error) {
	defer wk.streams.Done()
	wk.heard(&st.s, time.Now()) // the silence until the end counts too
	if ctx.Err() == nil {
		wk.disconnects.Add(1)
		if err == nil {
			err = io.EOF
		}
		wk.streamErr.note(fmt.Errorf("stream of subscriber %d ended early: %v", st.n, err))
	}
	wk.mu.Lock()
	defer wk.mu.Unlock()
	t := st.s.topic
	if wk.distinct[t] == nil {
		wk.distinct[t] = map[int]int{}
	}
	wk.distinct[t][st.s.distinct]++
	if wk.spec.Burst {
		wk.finalSeq[st.s.seq]++
	}
}

// connect opens the stream of subscriber n, with s its state, and reads
// up to its first line, the comment the hub sends once it has registered
// the subscriber.
func (wk *worker) connect(ctx context.Context, n int, hub, topic string, s subState) (*stream, error) {
	u, err := subscribeURL(hub, topic)
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 1; ; attempt++ {
		st, err := wk.connectOnce(ctx, n, u, s)
		if err == nil {
			return st, nil
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		if attempt == connectAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("%w (attempt %d of %d)", last, attempt, connectAttempts)
		}
		select {
		case <-ctx.Done():
			return nil, last
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
}

// errNotConnected is the error of a subscriber without its first line at
// the connect deadline; last is what its last attempt got, if anything.
func errNotConnected(by time.Time, last error) error {
	msg := fmt.Sprintf("no stream open by the connect deadline %s (about 3/5 of -duration)", by.Format(time.TimeOnly))
	if last != nil {
		msg += ": " + last.Error()
	}
	return errors.New(msg + "; when connections are made but never answered, the server is usually out of file descriptors (ulimit -n, see its log) or its accept backlog is full")
}

// connectOnce dials u's host, sends the subscription request as a
// browser's EventSource does, and reads the answer's header and the
// stream's first line.
func (wk *worker) connectOnce(ctx context.Context, n int, u *url.URL, s subState) (*stream, error) {
	conn, err := wk.dialer.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	if u.Scheme == "https" {
		conn = tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	st, err := wk.handshake(conn, n, u, s)
	if !stop() || err != nil {
		conn.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return st, nil
}

// handshake sends the request on conn and reads up to the stream's first
// line.
func (wk *worker) handshake(conn net.Conn, n int, u *url.URL, s subState) (*stream, error) {
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	st := wk.newStream(n, conn, slices.Contains(resp.TransferEncoding, "chunked"), s)
	start, _ := br.Peek(br.Buffered()) // the body's first bytes
	buf := make([]byte, 1024)
	for b := start; ; {
		if err := st.feed(b, time.Now()); err != nil {
			return nil, err
		}
		if st.lines > 0 {
			return st, nil
		}
		if st.finished {
			return nil, errors.New("the stream ended before its first line")
		}
		m, err := conn.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("read the stream's first line: %w", err)
		}
		b = buf[:m]
	}
}

// hostPort is u's host with its port, the scheme's when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// readBlocking reads st's stream in this goroutine until it or ctx ends:
// the way of a stream that the poller cannot take.
func (wk *worker) readBlocking(ctx context.Context, st *stream) {
	stop := context.AfterFunc(ctx, func() { st.conn.Close() })
	defer stop()
	buf := make([]byte, 4096)
	var err error
	for !st.finished && err == nil {
		var n int
		n, err = st.conn.Read(buf)
		if n > 0 {
			if ferr := st.received(buf[:n], time.Now()); ferr != nil {
				err = ferr
			}
		}
	}
	st.conn.Close()
	wk.ended(ctx, st, err)
}

// subState is what one subscriber has received.
type subState struct {
	topic, expected, distinct int
	seen                      []uint64  // bit j/K: update j of its topic
	last                      time.Time // when the stream was last heard from
	seq                       int64     // bursts: the newest match seq received
	complete                  bool      // bursts: seq has reached ExpectSeq
}

// heard notes that s's stream was heard from at now: the silence since
// the last time counts as a missed heartbeat when it is over MissAfter.
func (wk *worker) heard(s *subState, now time.Time) {
	gap := now.Sub(s.last)
	s.last = now
	storeMax(&wk.maxGap, int64(gap))
	if wk.spec.MissAfter > 0 && gap > wk.spec.MissAfter {
		wk.misses.Add(1)
	}
}

// line handles one line of st's stream, received at now: a data line is
// an update, or, too long to be kept whole, padding or someone else's.
func (wk *worker) line(st *stream, line []byte, tooLong bool, now time.Time) {
	data, ok := bytes.CutPrefix(line, []byte("data: "))
	if !ok {
		return // ids, comments, blank lines
	}
	if st.burst {
		wk.matchState(&st.s, data, tooLong, now)
		return
	}
	if bytes.HasPrefix(data, []byte(padPrefix)) {
		return
	}
	var p payload
	if tooLong || json.Unmarshal(data, &p) != nil || p.Run != wk.spec.Run {
		wk.foreign.Add(1)
		return
	}
	wk.deliver(&st.s, p, now)
}

// deliver counts update p received by s at now.
func (wk *worker) deliver(s *subState, p payload, now time.Time) {
	k := len(wk.spec.Topics)
	if p.Seq < 0 || p.Seq%k != s.topic || p.Seq/k >= s.expected {
		wk.unexpected.Add(1)
		return
	}
	bit := p.Seq / k
	if s.seen[bit/64]&(1<<(bit%64)) != 0 {
		wk.dups.Add(1)
		return
	}
	s.seen[bit/64] |= 1 << (bit % 64)
	s.distinct++
	wk.received.Add(1)
	wk.latency.add(now.Sub(time.Unix(0, p.Sent)))
	storeMax(&wk.lastRecv, now.UnixNano())
	if s.distinct == s.expected {
		wk.markComplete()
	}
}

// storeMax sets v to ns if that is more.
func storeMax(v *atomic.Int64, ns int64) {
	for {
		old := v.Load()
		if ns <= old || v.CompareAndSwap(old, ns) {
			return
		}
	}
}

// result is the worker's final account.
func (wk *worker) result() *workerResult {
	wk.mu.Lock()
	defer wk.mu.Unlock()
	res := &workerResult{
		Distinct:    wk.distinct,
		Received:    wk.received.Load(),
		Duplicates:  wk.dups.Load(),
		Unexpected:  wk.unexpected.Load(),
		Foreign:     wk.foreign.Load(),
		Disconnects: wk.disconnects.Load(),
		LastRecvNS:  wk.lastRecv.Load(),
		Latency:     wk.latency.snapshot(),
		ConnectLat:  wk.connectLat.snapshot(),
		MaxGapNS:    wk.maxGap.Load(),
		Misses:      wk.misses.Load(),
	}
	if wk.spec.Burst {
		res.FinalSeq = wk.finalSeq
	}
	res.FirstErr = wk.streamErr.get()
	return res
}
