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

// all reports whether every worker that has not ended is in seen.
func (st *runState) all(seen map[int]bool) bool {
	for i := range st.n {
		if !seen[i] && !st.ended[i] {
			return false
		}
	}
	return true
}

// allConnected reports whether every worker that has not ended has
// reported its streams connected.
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

// timeline splits -duration: the last fifth (at most 10s) is kept for
// the final scrape and stopping the workers, so that the whole run ends
// within -duration; connecting may take 3/4 of the rest.
type timeline struct{ connectBy, workEnd, end time.Time }

func newTimeline(start time.Time, d time.Duration) timeline {
	work := d - min(d/5, 10*time.Second)
	return timeline{connectBy: start.Add(work * 3 / 4), workEnd: start.Add(work), end: start.Add(d)}
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
	tl := newTimeline(time.Now(), c.Duration)
	// endCtx outlives an interruption, so that the workers are stopped
	// and the figures gathered even then, but not -duration.
	endCtx, endCancel := context.WithDeadline(context.WithoutCancel(ctx), tl.end)
	defer endCancel()
	ctx, cancel := context.WithDeadline(ctx, tl.workEnd)
	defer cancel()
	client := &http.Client{Transport: newTransport(4)}
	defer client.CloseIdleConnections()
	rep := newReport(&c)
	rep.Server.Before = scrape(ctx, client, c.Metrics)

	run := nonce()
	handles, err := startWorkers(ctx, &c, spawn, run, tl)
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
	rep.Server.Connected = scrape(endCtx, client, c.Metrics)
	pub := st.publishAndDrain(ctx, &c, client, msgs, run, token)
	rep.Server.End = scrape(endCtx, client, c.Metrics)

	stopWorkers(endCtx, handles, st, msgs)
	rep.fill(&c, st, pub)
	for _, h := range handles {
		rep.WorkersCPUSeconds += h.cpu().Seconds()
	}
	return rep, nil
}

// publishAndDrain publishes the updates, then waits until every worker
// has all it expects or c.Drain has passed, handling messages meanwhile.
func (st *runState) publishAndDrain(ctx context.Context, c *Config, client *http.Client, msgs <-chan message, run, token string) publishResult {
	var pub publishResult
	published := make(chan struct{})
	go func() {
		defer close(published)
		pub = publish(ctx, c, client, run, token)
	}()
	st.pump(ctx, msgs, published, func() bool { return isClosed(published) })
	<-published // publish ends with ctx, if not before
	if pub.OK > 0 || c.Publish == 0 {
		drainCtx, drainCancel := context.WithTimeout(ctx, c.Drain)
		st.pump(drainCtx, msgs, nil, func() bool { return st.all(st.complete) })
		drainCancel()
	}
	return pub
}

// startWorkers starts c.Workers workers, each with a contiguous share of
// the subscribers.
func startWorkers(ctx context.Context, c *Config, spawn spawnFunc, run string, tl timeline) ([]*workerHandle, error) {
	topics := make([]string, c.Topics)
	for t := range topics {
		topics[t] = c.topic(t)
	}
	expected := perTopic(c.Publish, c.Topics)
	var handles []*workerHandle
	first := 0
	for i, count := range perTopic(c.Subscribers, c.Workers) {
		spec := workerSpec{Index: i, Hub: c.Hub, Run: run, First: first, Count: count, Topics: topics,
			Expected: expected, ConnectRate: c.ConnectRate / float64(c.Workers), ConnectBy: tl.connectBy, Deadline: tl.end}
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
// kills those that have not ended when ctx does.
func stopWorkers(ctx context.Context, handles []*workerHandle, st *runState, msgs <-chan message) {
	for _, h := range handles {
		h.stop()
	}
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
