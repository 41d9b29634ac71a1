package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall"
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
	frozen    map[int]bool // the workers -freeze stops
	out       io.Writer    // progress lines; nil for none
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

// allComplete reports whether every worker that is not frozen and has
// not ended has all it expects.
func (st *runState) allComplete() bool {
	for i := range st.n {
		if !st.complete[i] && !st.ended[i] && !st.frozen[i] {
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
// within -duration; connecting may take 3/4 of the rest, and no more than
// leaves -hold and -drain after it.
type timeline struct{ connectBy, workEnd, end time.Time }

func newTimeline(start time.Time, c *Config) timeline {
	d := c.Duration
	work := d - min(d/5, 10*time.Second)
	connect := work * 3 / 4
	if c.Hold > 0 {
		connect = min(connect, work-c.Hold-c.Drain)
	}
	return timeline{connectBy: start.Add(connect), workEnd: start.Add(work), end: start.Add(d)}
}

// thawWait is how long frozen workers may read what the hub left them,
// once resumed, before they are stopped: enough to find their streams
// ended when the hub dropped them.
const thawWait = 2 * time.Second

// Run runs the load test c, with workers started by spawn, writing
// progress lines to progress (nil for none). Its error is for a run that
// could not take place (a usageError for a bad c); a run that took place
// returns its report, whose OK says whether every check passed.
func Run(ctx context.Context, c Config, spawn spawnFunc, progress io.Writer) (*Report, error) {
	if err := c.validate(); err != nil {
		return nil, &usageError{err}
	}
	var token string
	if c.Publish > 0 && c.BurstMatch == 0 {
		var err error
		if token, err = publisherToken(&c); err != nil {
			return nil, err
		}
	}
	tl := newTimeline(time.Now(), &c)
	// endCtx outlives an interruption, so that the workers are stopped
	// and the figures gathered even then, but not -duration.
	endCtx, endCancel := context.WithDeadline(context.WithoutCancel(ctx), tl.end)
	defer endCancel()
	ctx, cancel := context.WithDeadline(ctx, tl.workEnd)
	defer cancel()
	client := &http.Client{Transport: newTransport(4)}
	defer client.CloseIdleConnections()
	rep := newReport(&c)
	var bm burstMatch
	if c.BurstMatch > 0 {
		var err error
		if bm, err = readMatch(ctx, &c, client); err != nil {
			return nil, err
		}
		rep.Burst = &burstReport{Match: c.BurstMatch, Topic: bm.Topic, FirstSeq: bm.State.Seq}
	}
	inst := rep.Instances
	scrapeAll(ctx, client, inst, func(in *instanceReport, s *serverStats) { in.Before = s })

	run := nonce()
	handles, err := startWorkers(ctx, &c, spawn, run, tl, bm)
	if err != nil {
		return nil, err
	}
	msgs := make(chan message, 64)
	for i, h := range handles {
		go readMessages(i, h.out, msgs)
	}
	st := &runState{n: len(handles), connected: map[int]message{}, complete: map[int]bool{},
		ended: map[int]bool{}, results: map[int]*workerResult{}, progress: map[int]message{}, out: progress,
		frozen: map[int]bool{}}
	for i := c.Workers; i < len(handles); i++ {
		st.frozen[i] = true
	}
	// Frozen workers are resumed whatever happens, so that no stopped
	// process outlives the run (a killed one dies stopped or not).
	thaw := func() {
		for i := range st.frozen {
			handles[i].signal(syscall.SIGCONT)
		}
	}
	defer thaw()

	st.pump(ctx, msgs, nil, st.allConnected)
	for i := range st.frozen {
		if err := handles[i].signal(syscall.SIGSTOP); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("stop frozen worker %d: %v", i, err))
		}
	}
	scrapeAll(endCtx, client, inst, func(in *instanceReport, s *serverStats) { in.Connected = s })
	pub := st.publishAndDrain(ctx, &c, client, msgs, run, token)
	scrapeAll(endCtx, client, inst, func(in *instanceReport, s *serverStats) { in.End = s })
	if len(st.frozen) > 0 {
		thaw()
		wait, cancel := context.WithTimeout(endCtx, thawWait)
		st.pump(wait, msgs, nil, func() bool { return false })
		cancel()
	}

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
		start, pc := time.Now(), *c
		if c.Hold > 0 && c.Publish > 0 {
			pc.Rate = float64(c.Publish) / c.Hold.Seconds() // spread over the hold
		}
		if c.BurstMatch > 0 {
			pub = burst(ctx, &pc, client, run)
		} else {
			pub = publish(ctx, &pc, client, run, token)
		}
		sleepUntil(ctx, start.Add(c.Hold))
	}()
	st.pump(ctx, msgs, published, func() bool { return isClosed(published) })
	<-published // publish ends with ctx, if not before
	if pub.OK > 0 || c.Publish == 0 {
		drainCtx, drainCancel := context.WithTimeout(ctx, c.Drain)
		st.pump(drainCtx, msgs, nil, st.allComplete)
		drainCancel()
	}
	return pub
}

// scrapeAll reads every instance's figures at once and sets them with set.
func scrapeAll(ctx context.Context, client *http.Client, inst []*instanceReport, set func(*instanceReport, *serverStats)) {
	var wg sync.WaitGroup
	for _, in := range inst {
		wg.Go(func() { set(in, scrape(ctx, client, in.Metrics)) })
	}
	wg.Wait()
}

// startWorkers starts c.Workers workers, each with a contiguous share of
// the subscribers that are not frozen, then the frozen workers (processes
// only) with the rest.
func startWorkers(ctx context.Context, c *Config, spawn spawnFunc, run string, tl timeline, bm burstMatch) ([]*workerHandle, error) {
	topics := make([]string, c.Topics)
	for t := range topics {
		topics[t] = c.topic(t)
	}
	expected := perTopic(c.Publish, c.Topics)
	if c.BurstMatch > 0 {
		topics, expected = []string{bm.Topic}, []int{0}
	}
	live, frozen := c.Subscribers-c.frozen(), c.frozen()
	counts := perTopic(live, c.Workers)
	if frozen > 0 {
		counts = append(counts, perTopic(frozen, c.frozenWorkers())...)
	}
	var handles []*workerHandle
	fail := func(err error) ([]*workerHandle, error) {
		for _, h := range handles {
			h.kill()
			io.Copy(io.Discard, h.out)
			h.wait()
		}
		return nil, err
	}
	first := 0
	for i, count := range counts {
		spec := workerSpec{Index: i, Hubs: c.hubs, Run: run, First: first, Count: count, Topics: topics,
			Expected: expected, ConnectRate: c.ConnectRate * float64(count) / float64(c.Subscribers),
			ConnectBy: tl.connectBy, Deadline: tl.end, Frozen: i >= c.Workers,
			MissAfter: 2 * c.Heartbeat, Readers: c.Readers}
		if c.BurstMatch > 0 {
			spec.Burst, spec.ExpectSeq = true, bm.State.Seq+int64(c.Publish)
		}
		first += count
		h, err := spawn(ctx, spec)
		if err != nil {
			return fail(err)
		}
		handles = append(handles, h)
		if spec.Frozen && h.signal == nil {
			return fail(&usageError{errors.New("-freeze needs worker processes, which this run cannot start")})
		}
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
