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
	body, r, err := wk.connect(ctx, wk.spec.Topics[t])
	<-wk.sem
	if err != nil {
		wk.fail(start, err)
		return
	}
	defer body.Close()
	wk.connected.Add(1)
	wk.settle(start)

	s := &subState{expected: wk.spec.Expected[t], topic: t}
	s.seen = make([]uint64, (s.expected+63)/64)
	if s.expected == 0 {
		wk.markComplete()
	}
	err = wk.read(r, s)
	if ctx.Err() == nil {
		// The hub ended the stream while the run still wanted it.
		wk.disconnects.Add(1)
		wk.noteErr(fmt.Errorf("stream of subscriber %d ended early: %v", wk.spec.First+i, err))
	}
	wk.mu.Lock()
	defer wk.mu.Unlock()
	if wk.distinct[t] == nil {
		wk.distinct[t] = map[int]int{}
	}
	wk.distinct[t][s.distinct]++
}

// connect opens the stream and reads up to its first line, the comment
// the hub sends once it has registered the subscriber.
func (wk *worker) connect(ctx context.Context, topic string) (io.ReadCloser, *bufio.Reader, error) {
	u, err := subscribeURL(wk.spec.Hub, topic)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 1; ; attempt++ {
		body, r, err := wk.connectOnce(ctx, u)
		if err == nil || attempt == connectAttempts || ctx.Err() != nil {
			return body, r, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
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
	r := bufio.NewReaderSize(resp.Body, 256)
	if _, err := r.ReadSlice('\n'); err != nil {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("subscribe: read the stream's first line: %w", err)
	}
	return resp.Body, r, nil
}

// subState is what one subscriber has received.
type subState struct {
	topic, expected, distinct int
	seen                      []uint64 // bit j/K: update j of its topic
}

// read counts the events of one stream until it ends.
func (wk *worker) read(r *bufio.Reader, s *subState) error {
	var p payload
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than any line the load test publishes: skip it.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			wk.foreign.Add(1)
			continue
		}
		if err != nil {
			return err
		}
		data, ok := bytes.CutPrefix(line, []byte("data: "))
		if !ok {
			continue // id, comments, blank lines
		}
		now := time.Now()
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
	ns := now.UnixNano()
	for {
		f := wk.firstRecv.Load()
		if (f != 0 && f <= ns) || wk.firstRecv.CompareAndSwap(f, ns) {
			break
		}
	}
	for {
		l := wk.lastRecv.Load()
		if ns <= l || wk.lastRecv.CompareAndSwap(l, ns) {
			break
		}
	}
	if s.distinct == s.expected {
		wk.markComplete()
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
		FirstRecvNS: wk.firstRecv.Load(),
		LastRecvNS:  wk.lastRecv.Load(),
		Latency:     wk.latency.snapshot(),
	}
	res.FirstErr, _ = wk.firstErr.Load().(string)
	return res
}
