package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// stopTimeout bounds how long workers get to send their results once told
// to stop; then they are killed.
const stopTimeout = 15 * time.Second

// runState is what the parent knows of its workers so far.
type runState struct {
	n         int
	connected map[int]message
	complete  map[int]bool
	ended     map[int]bool
	results   map[int]*workerResult
	progress  map[int]message
	out       io.Writer // progress lines; nil for none
	lastLine  time.Time
}

// handle takes in one message.
func (st *runState) handle(m message) {
	switch m.Kind {
	case "connected":
		st.connected[m.Worker] = m
	case "complete":
		st.complete[m.Worker] = true
	case "result":
		st.results[m.Worker] = m.Result
	case "ended":
		st.ended[m.Worker] = true
	case "progress":
		st.progress[m.Worker] = m
		st.printProgress()
	}
}

// printProgress writes the sums of the workers' counts, once a second.
func (st *runState) printProgress() {
	if st.out == nil || time.Since(st.lastLine) < time.Second {
		return
	}
	st.lastLine = time.Now()
	var c, f int
	var r int64
	for _, m := range st.progress {
		c, f, r = c+m.Connected, f+m.Failed, r+m.Received
	}
	fmt.Fprintf(st.out, "loadtest: %d connected, %d failed, %d deliveries received\n", c, f, r)
}

// all reports whether every worker has said kind (or ended).
func (st *runState) all(seen map[int]bool) bool {
	for i := range st.n {
		if !seen[i] && !st.ended[i] {
			return false
		}
	}
	return true
}

func (st *runState) allConnected() bool {
	for i := range st.n {
		if _, ok := st.connected[i]; !ok && !st.ended[i] {
			return false
		}
	}
	return true
}

// pump handles messages until done holds, ctx ends, wake closes (then
// done is checked again) or every worker's output has ended.
func (st *runState) pump(ctx context.Context, msgs <-chan message, wake <-chan struct{}, done func() bool) {
	for !done() {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			wake = nil
		case m, ok := <-msgs:
			if !ok {
				return
			}
			st.handle(m)
		}
	}
}

// Run runs the load test c, with workers started by spawn, writing
// progress lines to progress (nil for none). Its error is for a run that
// could not take place (a usageError for a bad c); a run that took place
// returns its report, whose OK says whether every check passed.
func Run(ctx context.Context, c Config, spawn spawnFunc, progress io.Writer) (*Report, error) {
	if err := c.validate(); err != nil {
		return nil, &usageError{err}
	}
	var token string
	if c.Publish > 0 {
		var err error
		if token, err = publisherToken(&c); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	deadline, _ := ctx.Deadline()
	client := &http.Client{Transport: newTransport(4)}
	defer client.CloseIdleConnections()
	rep := newReport(&c)
	// Scrapes are bounded by themselves: the end's figures are wanted even
	// when the run's time is up.
	noCancel := context.WithoutCancel(ctx)
	rep.Server.Before = scrape(noCancel, client, c.Metrics)

	run := nonce()
	handles, err := startWorkers(ctx, &c, spawn, run, deadline)
	if err != nil {
		return nil, err
	}
	msgs := make(chan message, 64)
	for i, h := range handles {
		go readMessages(i, h.out, msgs)
	}
	st := &runState{n: len(handles), connected: map[int]message{}, complete: map[int]bool{},
		ended: map[int]bool{}, results: map[int]*workerResult{}, progress: map[int]message{}, out: progress}

	st.pump(ctx, msgs, nil, st.allConnected)
	rep.Server.Connected = scrape(noCancel, client, c.Metrics)

	var pub publishResult
	published := make(chan struct{})
	go func() {
		defer close(published)
		pub = publish(ctx, &c, client, run, token)
	}()
	st.pump(ctx, msgs, published, func() bool { return isClosed(published) })
	<-published // publish ends with ctx, if not before
	if pub.OK > 0 || c.Publish == 0 {
		drainCtx, drainCancel := context.WithTimeout(ctx, c.Drain)
		st.pump(drainCtx, msgs, nil, func() bool { return st.all(st.complete) })
		drainCancel()
	}
	rep.Server.End = scrape(noCancel, client, c.Metrics)

	stopWorkers(handles, st, msgs)
	rep.fill(&c, st, pub)
	return rep, nil
}

// startWorkers starts c.Workers workers, each with a contiguous share of
// the subscribers.
func startWorkers(ctx context.Context, c *Config, spawn spawnFunc, run string, deadline time.Time) ([]*workerHandle, error) {
	topics := make([]string, c.Topics)
	for t := range topics {
		topics[t] = c.topic(t)
	}
	expected := perTopic(c.Publish, c.Topics)
	var handles []*workerHandle
	first := 0
	for i, count := range perTopic(c.Subscribers, c.Workers) {
		spec := workerSpec{Index: i, Hub: c.Hub, Run: run, First: first, Count: count, Topics: topics,
			Expected: expected, ConnectRate: c.ConnectRate / float64(c.Workers), Deadline: deadline,
			ConnectBy: time.Now().Add(time.Until(deadline) * 3 / 4)}
		first += count
		h, err := spawn(ctx, spec)
		if err != nil {
			for _, h := range handles {
				h.kill()
				io.Copy(io.Discard, h.out)
				h.wait()
			}
			return nil, err
		}
		handles = append(handles, h)
	}
	return handles, nil
}

// readMessages sends worker i's messages to msgs, then "ended".
func readMessages(i int, r io.Reader, msgs chan<- message) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var m message
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			m.Worker = i
			msgs <- m
		}
	}
	io.Copy(io.Discard, r) // a line too long: keep the pipe flowing
	msgs <- message{Kind: "ended", Worker: i}
}

// stopWorkers tells every worker to stop, collects their results, and
// kills those that do not end within stopTimeout.
func stopWorkers(handles []*workerHandle, st *runState, msgs <-chan message) {
	for _, h := range handles {
		h.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	st.pump(ctx, msgs, nil, func() bool { return st.all(st.ended) })
	if !st.all(st.ended) {
		for _, h := range handles {
			h.kill()
		}
		for !st.all(st.ended) { // bounded: killed workers' pipes close
			st.handle(<-msgs)
		}
	}
	for _, h := range handles {
		h.wait()
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// nonce tells this run's updates from anyone else's on the same topics.
func nonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
