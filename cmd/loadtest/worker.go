package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// workerSpec is a worker's share of the subscribers, sent by the parent.
type workerSpec struct {
	Index int `json:"index"`
	// Hubs are the instances; subscriber i connects to Hubs[hubOf(i, …)].
	Hubs []string `json:"hubs"`
	Run  string   `json:"run"` // the run's nonce, carried in every update
	// First is the global number of its first subscriber; subscriber i
	// subscribes to Topics[i mod len(Topics)].
	First  int      `json:"first"`
	Count  int      `json:"count"`
	Topics []string `json:"topics"`
	// Expected is how many updates each topic will get if every publish
	// succeeds: the worker says "complete" once every subscriber has them.
	Expected []int `json:"expected"`
	// Frozen workers are stopped while publishing: the parent reports
	// them apart and expects them to lose updates.
	Frozen bool `json:"frozen,omitempty"`
	// Burst: the topic is a match's, its updates the match's states; a
	// subscriber is complete once it has seq ExpectSeq.
	Burst     bool  `json:"burst,omitempty"`
	ExpectSeq int64 `json:"expect_seq,omitempty"`
	// MissAfter is the silence (twice the hub's heartbeat) after which a
	// stream has missed a heartbeat.
	MissAfter   time.Duration `json:"miss_after"`
	ConnectRate float64       `json:"connect_rate"` // this worker's share; 0: unpaced
	Readers     int           `json:"readers"`      // -readers
	// ConnectBy is when a subscriber still without its first byte counts
	// as failed, leaving the rest of the run for publishing; Deadline is
	// when everything stops.
	ConnectBy time.Time `json:"connect_by"`
	Deadline  time.Time `json:"deadline"`
}

// message is one JSON line from a worker to the parent.
type message struct {
	Kind   string `json:"kind"` // progress, connected, complete or result
	Worker int    `json:"worker"`
	// progress and connected
	Connected int    `json:"connected,omitempty"`
	Failed    int    `json:"failed,omitempty"`
	FirstErr  string `json:"first_error,omitempty"`
	StartNS   int64  `json:"start_ns,omitempty"` // the first dial
	EndNS     int64  `json:"end_ns,omitempty"`   // the last first byte received
	Received  int64  `json:"received,omitempty"`
	// result
	Result *workerResult `json:"result,omitempty"`
}

// workerResult is what a worker's subscribers received.
type workerResult struct {
	// Distinct maps topic index, then the number of distinct updates of
	// that topic a subscriber received, to how many subscribers did.
	Distinct    map[int]map[int]int `json:"distinct"`
	Received    int64               `json:"received"`
	Duplicates  int64               `json:"duplicates"`
	Unexpected  int64               `json:"unexpected"`
	Foreign     int64               `json:"foreign"` // other runs' updates
	Disconnects int64               `json:"disconnects"`
	FirstErr    string              `json:"first_error,omitempty"` // of a stream cut
	LastRecvNS  int64               `json:"last_recv_ns"`
	// Latency is publish to receipt; in a burst, the staleness of each
	// update received (receipt minus the send time of its newest event).
	Latency    hist `json:"latency"`
	ConnectLat hist `json:"connect_latency"` // dial to first byte, retries included
	// MaxGapNS is the longest silence of any stream (between two reads,
	// or from the last read to the end); Misses counts the silences
	// longer than MissAfter.
	MaxGapNS int64 `json:"max_gap_ns"`
	Misses   int64 `json:"misses"`
	// FinalSeq maps the newest match seq a subscriber received to how
	// many did (bursts only).
	FinalSeq map[int64]int `json:"final_seq,omitempty"`
}

// payload is the data of every update the load test publishes.
type payload struct {
	Run  string `json:"run"`
	Seq  int    `json:"seq"`
	Sent int64  `json:"sent_unix_nano"`
}

// padPrefix starts the line of an update's data that pads it to -size:
// the stream's "data: pad:xxx…" line, which subscribers skip unread.
const padPrefix = "pad:"

// worker holds one worker's subscribers.
type worker struct {
	spec   workerSpec
	dialer *net.Dialer
	out    *lineWriter
	// poller reads the open streams (nil where it cannot: each stream
	// is then read by a goroutine of its own); streams counts them.
	poller  *poller
	streams sync.WaitGroup

	sem                 chan struct{}
	connected, failed   atomic.Int64
	lastConnect         atomic.Int64 // unix ns of the last first byte
	settled, complete   atomic.Int64
	received, dups      atomic.Int64
	unexpected, foreign atomic.Int64
	disconnects         atomic.Int64
	lastRecv            atomic.Int64
	maxGap, misses      atomic.Int64
	latency, connectLat liveHist
	connectErr          firstError
	streamErr           firstError

	mu       sync.Mutex
	distinct map[int]map[int]int
	finalSeq map[int64]int
}

// runWorker opens spec's subscribers, reads their streams until ctx is
// done or the deadline passes, and writes its messages to w as JSON lines,
// the last one its result.
func runWorker(ctx context.Context, spec workerSpec, w io.Writer) error {
	ctx, cancel := context.WithDeadline(ctx, spec.Deadline)
	defer cancel()
	wk := &worker{
		spec:     spec,
		dialer:   &net.Dialer{Timeout: 10 * time.Second, KeepAlive: -1, Control: loopbackOnly},
		out:      &lineWriter{enc: json.NewEncoder(w)},
		sem:      make(chan struct{}, maxDialsInFlight),
		distinct: map[int]map[int]int{},
		finalSeq: map[int64]int{},
	}
	wk.poller = newPoller(ctx, wk)
	start := time.Now()
	connectCtx, connectCancel := context.WithDeadline(ctx, spec.ConnectBy)
	defer connectCancel()
	var wg sync.WaitGroup
	for i := range spec.Count {
		if !wk.pace(connectCtx, start, i) {
			err := errNotConnected(spec.ConnectBy, nil)
			if ctx.Err() != nil {
				err = fmt.Errorf("stopped before connecting: %w", context.Cause(ctx))
			}
			wk.fail(start, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk.subscribe(ctx, i, start)
		}()
	}
	progressDone := make(chan struct{})
	go func() { defer close(progressDone); wk.progress(ctx) }()
	wg.Wait()
	wk.streams.Wait() // until the streams end, or ctx
	cancel()
	<-progressDone
	wk.poller.close()
	return wk.out.write(message{Kind: "result", Worker: spec.Index, Result: wk.result()})
}

// newTransport is an HTTP/1.1 transport for n connections to one host,
// with small buffers, dialing only loopback.
func newTransport(n int) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: -1, Control: loopbackOnly}
	return &http.Transport{
		DialContext:           d.DialContext,
		MaxConnsPerHost:       0,
		MaxIdleConns:          n + 16,
		MaxIdleConnsPerHost:   n + 16,
		IdleConnTimeout:       time.Minute,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		ReadBufferSize:        1024,
		WriteBufferSize:       1024,
	}
}

// pace waits until subscriber i may connect: at most maxDialsInFlight
// waiting for their first byte, and no faster than the connect rate.
func (wk *worker) pace(ctx context.Context, start time.Time, i int) bool {
	if r := wk.spec.ConnectRate; r > 0 {
		at := start.Add(time.Duration(float64(i) / r * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return false
			case <-t.C:
			}
		}
	}
	select {
	case wk.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// progress reports the worker's counts every second until ctx is done.
func (wk *worker) progress(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			wk.out.write(message{Kind: "progress", Worker: wk.spec.Index,
				Connected: int(wk.connected.Load()), Failed: int(wk.failed.Load()), Received: wk.received.Load()})
		}
	}
}

// settle counts a subscriber connected or failed; the last one to settle
// tells the parent how the connecting went.
func (wk *worker) settle(start time.Time) {
	if wk.settled.Add(1) != int64(wk.spec.Count) {
		return
	}
	m := message{Kind: "connected", Worker: wk.spec.Index, StartNS: start.UnixNano(), EndNS: wk.lastConnect.Load(),
		Connected: int(wk.connected.Load()), Failed: int(wk.failed.Load())}
	m.FirstErr = wk.connectErr.get()
	wk.out.write(m)
	if wk.complete.Load() == int64(wk.spec.Count) {
		wk.out.write(message{Kind: "complete", Worker: wk.spec.Index})
	}
}

// fail counts a subscriber that could not connect.
func (wk *worker) fail(start time.Time, err error) {
	wk.failed.Add(1)
	wk.connectErr.note(err)
	wk.settle(start)
}

// markComplete counts a subscriber that has every update it expects.
func (wk *worker) markComplete() {
	if wk.complete.Add(1) == int64(wk.spec.Count) && wk.settled.Load() == int64(wk.spec.Count) {
		wk.out.write(message{Kind: "complete", Worker: wk.spec.Index})
	}
}

// firstError keeps the first error noted, as a string.
type firstError struct {
	once sync.Once
	msg  atomic.Value // string
}

func (f *firstError) note(err error) {
	if err != nil {
		f.once.Do(func() { f.msg.Store(err.Error()) })
	}
}

func (f *firstError) get() string {
	s, _ := f.msg.Load().(string)
	return s
}

// subscribeURL is the subscription URL of topic.
func subscribeURL(hub, topic string) (*url.URL, error) {
	u, err := url.Parse(hub)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Add("topic", topic)
	u.RawQuery = q.Encode()
	return u, nil
}

// lineWriter writes messages as JSON lines, one at a time.
type lineWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (lw *lineWriter) write(m message) error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if err := lw.enc.Encode(m); err != nil {
		return fmt.Errorf("report to the parent: %w", err)
	}
	return nil
}
