package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// connectAttempts is how often a subscriber tries to connect before it
// counts as failed.
const connectAttempts = 3

// subscribe connects subscriber i of the worker, waits for the stream's
// first byte (the hub has registered it by then), then counts what
// arrives until the stream or ctx ends.
func (wk *worker) subscribe(ctx context.Context, i int, start time.Time) {
	t := (wk.spec.First + i) % len(wk.spec.Topics)
	// The stream lives in ctx, but must have its first byte by ConnectBy.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	late := time.AfterFunc(time.Until(wk.spec.ConnectBy), cancel)
	dialed := time.Now()
	g := wk.spec.First + i
	body, r, err := wk.connect(ctx, wk.spec.Hubs[hubOf(g, len(wk.spec.Topics), len(wk.spec.Hubs))], wk.spec.Topics[t])
	if !late.Stop() { // too late, even if the stream has just opened
		if err == nil {
			body.Close()
		}
		err = errNotConnected(wk.spec.ConnectBy, err)
	}
	<-wk.sem
	if err != nil {
		wk.fail(start, err)
		return
	}
	defer body.Close()
	wk.connectLat.add(time.Since(dialed))
	wk.connected.Add(1)
	storeMax(&wk.lastConnect, time.Now().UnixNano())
	wk.settle(start)

	s := &subState{expected: wk.spec.Expected[t], topic: t, last: time.Now()}
	s.seen = make([]uint64, (s.expected+63)/64)
	if s.expected == 0 && !wk.spec.Burst {
		wk.markComplete()
	}
	if wk.spec.Burst {
		err = wk.readBurst(r, s)
	} else {
		err = wk.read(r, s)
	}
	wk.heard(s, time.Now()) // the silence until the end counts too
	if ctx.Err() == nil {
		// The hub ended the stream while the run still wanted it.
		wk.disconnects.Add(1)
		wk.streamErr.note(fmt.Errorf("stream of subscriber %d ended early: %v", wk.spec.First+i, err))
	}
	wk.mu.Lock()
	defer wk.mu.Unlock()
	if wk.distinct[t] == nil {
		wk.distinct[t] = map[int]int{}
	}
	wk.distinct[t][s.distinct]++
	if wk.spec.Burst {
		wk.finalSeq[s.seq]++
	}
}

// connect opens the stream and reads up to its first line, the comment
// the hub sends once it has registered the subscriber.
func (wk *worker) connect(ctx context.Context, hub, topic string) (io.ReadCloser, *bufio.Reader, error) {
	u, err := subscribeURL(hub, topic)
	if err != nil {
		return nil, nil, err
	}
	var last error
	for attempt := 1; ; attempt++ {
		body, r, err := wk.connectOnce(ctx, u)
		if err == nil {
			return body, r, nil
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		if attempt == connectAttempts || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("%w (attempt %d of %d)", last, attempt, connectAttempts)
		}
		select {
		case <-ctx.Done():
			return nil, nil, last
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
}

// errNotConnected is the error of a subscriber without its first byte at
// the connect deadline; last is what its last attempt got, if anything.
func errNotConnected(by time.Time, last error) error {
	msg := fmt.Sprintf("no stream open by the connect deadline %s (about 3/5 of -duration)", by.Format(time.TimeOnly))
	if last != nil {
		msg += ": " + last.Error()
	}
	return errors.New(msg + "; when connections are made but never answered, the server is usually out of file descriptors (ulimit -n, see its log) or its accept backlog is full")
}

func (wk *worker) connectOnce(ctx context.Context, u string) (io.ReadCloser, *bufio.Reader, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := wk.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("subscribe: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, nil, fmt.Errorf("subscribe: status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	size := 256 // longer than the load test's updates
	if wk.spec.Burst {
		size = 4096 // a match's compact state is under 1 KB
	}
	r := bufio.NewReaderSize(resp.Body, size)
	if _, err := r.ReadSlice('\n'); err != nil {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("subscribe: read the stream's first line: %w", err)
	}
	return resp.Body, r, nil
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

// read counts the events of one stream until it ends.
func (wk *worker) read(r *bufio.Reader, s *subState) error {
	var p payload
	for {
		// Nothing the load test publishes is longer than the reader's
		// buffer but its padding (-size), which is skipped.
		data, tooLong, err := readData(r, nil, 0)
		if err != nil {
			return err
		}
		now := time.Now()
		wk.heard(s, now)
		if bytes.HasPrefix(data, []byte(padPrefix)) {
			continue
		}
		if tooLong {
			wk.foreign.Add(1)
			continue
		}
		if data == nil {
			continue // id, comments, blank lines
		}
		p = payload{}
		if json.Unmarshal(data, &p) != nil || p.Run != wk.spec.Run {
			wk.foreign.Add(1)
			continue
		}
		wk.deliver(s, p, now)
	}
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

// readData reads the stream's next line and returns the data of a
// "data: " line, nil for any other line (ids, comments, blank lines). A
// line longer than r's buffer is gathered into *long, up to max bytes;
// one longer than that is skipped, tooLong set and data its first bytes.
func readData(r *bufio.Reader, long *[]byte, max int) (data []byte, tooLong bool, err error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		first := bytes.Clone(line[:min(len(line), 64)])
		var buf []byte
		if long != nil {
			buf = append((*long)[:0], line...)
		}
		tooLong = len(buf) == 0
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.ReadSlice('\n')
			if !tooLong && len(buf)+len(line) <= max {
				buf = append(buf, line...)
			} else {
				tooLong = true
			}
		}
		if long != nil {
			*long = buf[:0]
		}
		if err != nil {
			return nil, false, err
		}
		if tooLong {
			data, _ := bytes.CutPrefix(first, []byte("data: "))
			return data, true, nil
		}
		line = buf
	} else if err != nil {
		return nil, false, err
	}
	data, ok := bytes.CutPrefix(line, []byte("data: "))
	if !ok {
		return nil, false, nil
	}
	return data, false, nil
}
