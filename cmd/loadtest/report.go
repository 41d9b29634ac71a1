package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the outcome of a run; -json prints it as is.
type Report struct {
	Hub         string  `json:"hub"`
	Subscribers int     `json:"subscribers"`
	Topics      int     `json:"topics"`
	Workers     int     `json:"workers"`
	Readers     int     `json:"readers"` // per worker
	Publish     int     `json:"publish"`
	Rate        float64 `json:"rate"`
	// HoldSeconds is -hold: how long every subscriber was held while the
	// updates were spread over it.
	HoldSeconds float64 `json:"hold_seconds"`
	// Instances are the hubs, each with its own figures; Server sums them.
	Instances []*instanceReport `json:"instances"`
	// WorkersCPUSeconds is the CPU time the worker processes used (0 when
	// they are goroutines): on a small machine, taken from the server.
	WorkersCPUSeconds float64 `json:"workers_cpu_seconds"`
	Connect           struct {
		Connected  int     `json:"connected"`
		Failed     int     `json:"failed"`
		Seconds    float64 `json:"seconds"` // first dial to the last first byte received
		PerSecond  float64 `json:"per_second"`
		FirstError string  `json:"first_error,omitempty"`
		// Each subscriber's time from its dial to its first byte.
		P50MS float64 `json:"p50_ms"`
		P99MS float64 `json:"p99_ms"`
		MaxMS float64 `json:"max_ms"`
	} `json:"connect"`
	Server struct {
		// Before connecting, once every subscriber is connected, and at
		// the end (before disconnecting); null when /metrics did not answer.
		Before    *serverStats `json:"before"`
		Connected *serverStats `json:"connected"`
		End       *serverStats `json:"end"`
		// PerSubscriber is the growth from Before to Connected, divided by
		// the subscribers connected.
		PerSubscriber *serverStats `json:"per_subscriber"`
		// The server's CPU time while connecting (Before to Connected)
		// and while publishing and delivering (Connected to End).
		ConnectCPUSeconds *float64 `json:"connect_cpu_seconds"`
		DeliverCPUSeconds *float64 `json:"deliver_cpu_seconds"`
	} `json:"server"`
	Deliveries struct {
		Published      int     `json:"published"`
		PublishFailed  int     `json:"publish_failed"`
		PublishError   string  `json:"publish_error,omitempty"`
		PublishSeconds float64 `json:"publish_seconds"`
		Expected       int64   `json:"expected"`
		Received       int64   `json:"received"`
		Missing        int64   `json:"missing"`
		// Subscribers that did not get every update of their topic.
		IncompleteSubscribers int64   `json:"incomplete_subscribers"`
		Duplicates            int64   `json:"duplicates"`
		Unexpected            int64   `json:"unexpected"` // this run's updates on the wrong stream
		Foreign               int64   `json:"foreign"`    // others' updates on these topics
		StreamsCut            int64   `json:"streams_cut"`
		StreamError           string  `json:"stream_error,omitempty"`
		Seconds               float64 `json:"seconds"` // first publish to the last delivery
		PerSecond             float64 `json:"per_second"`
	} `json:"deliveries"`
	// Latency is publish to receipt, of the subscribers not frozen; in a
	// burst, the staleness of each update received.
	Latency struct {
		P50MS float64 `json:"p50_ms"`
		P99MS float64 `json:"p99_ms"`
		MaxMS float64 `json:"max_ms"`
	} `json:"latency"`
	// Heartbeat is the silences of the streams not frozen: the longest,
	// and how many were over twice the expected heartbeat.
	Heartbeat struct {
		ExpectedMS   float64 `json:"expected_ms"`
		LongestGapMS float64 `json:"longest_gap_ms"`
		Misses       int64   `json:"misses"`
	} `json:"heartbeat"`
	Frozen *frozenReport `json:"frozen,omitempty"`
	Burst  *burstReport  `json:"burst,omitempty"`
	Errors []string      `json:"errors"`
	OK     bool          `json:"ok"`
}

// instanceReport is one hub's figures, as Server has them for all.
type instanceReport struct {
	Hub       string       `json:"hub"`
	Metrics   string       `json:"metrics"`
	Before    *serverStats `json:"before"`
	Connected *serverStats `json:"connected"`
	End       *serverStats `json:"end"`
}

// frozenReport is how the frozen subscribers fared.
type frozenReport struct {
	Subscribers int `json:"subscribers"`
	Workers     int `json:"workers"`
	// StreamsEnded are the frozen streams found ended once resumed: the
	// hub dropped them. ServerDropped is the growth of the hubs'
	// hub_slow_disconnects_total while they were frozen (all subscribers).
	StreamsEnded  int64    `json:"streams_ended"`
	ServerDropped *float64 `json:"server_dropped"`
	// ServerRSSGrowth is the growth of the servers' RSS from frozen to
	// the end of the publishing.
	ServerRSSGrowth *float64 `json:"server_rss_growth_bytes"`
	Received        int64    `json:"received"`
	Duplicates      int64    `json:"duplicates"`
}

// burstReport is how a burst of match events went.
type burstReport struct {
	Match int64  `json:"match"`
	Topic string `json:"topic"`
	// FirstSeq is the match's seq before the burst, LastSeq the newest
	// one it recorded.
	FirstSeq int64 `json:"first_seq"`
	LastSeq  int64 `json:"last_seq"`
	// Behind counts the subscribers whose newest state is older than
	// LastSeq; Skipped the states they did not get (coalesced).
	Behind  int64 `json:"behind_subscribers"`
	Skipped int64 `json:"skipped"`
}

func newReport(c *Config) *Report {
	r := &Report{Hub: c.Hub, Subscribers: c.Subscribers, Topics: c.Topics, Workers: c.Workers, Readers: c.Readers,
		Publish: c.Publish, Rate: c.Rate, HoldSeconds: c.Hold.Seconds(), Errors: []string{}}
	for i, h := range c.hubs {
		r.Instances = append(r.Instances, &instanceReport{Hub: h, Metrics: c.metrics[i]})
	}
	r.Heartbeat.ExpectedMS = ms(c.Heartbeat)
	if n := c.frozen(); n > 0 {
		r.Frozen = &frozenReport{Subscribers: n, Workers: c.frozenWorkers()}
	}
	return r
}

// fill computes the figures from the workers' messages and the publishing.
func (r *Report) fill(c *Config, st *runState, pub publishResult) {
	var before, connected, ends []*serverStats
	for _, in := range r.Instances {
		before, connected, ends = append(before, in.Before), append(connected, in.Connected), append(ends, in.End)
	}
	r.Server.Before, r.Server.Connected, r.Server.End = sumStats(before), sumStats(connected), sumStats(ends)
	var start, end int64
	for _, m := range st.connected {
		r.Connect.Connected += m.Connected
		r.Connect.Failed += m.Failed
		if r.Connect.FirstError == "" {
			r.Connect.FirstError = m.FirstErr
		}
		if start == 0 || m.StartNS < start {
			start = m.StartNS
		}
		end = max(end, m.EndNS)
	}
	r.Connect.Failed += c.Subscribers - r.Connect.Connected - r.Connect.Failed // never settled
	if end > start {
		r.Connect.Seconds = seconds(end - start)
		r.Connect.PerSecond = float64(r.Connect.Connected) / r.Connect.Seconds
	}
	var lat hist
	for _, res := range st.results {
		lat.merge(res.ConnectLat)
	}
	r.Connect.P50MS, r.Connect.P99MS, r.Connect.MaxMS = ms(lat.quantile(0.5)), ms(lat.quantile(0.99)), ms(time.Duration(lat.MaxNS))
	r.Server.PerSubscriber = perSubscriber(r.Server.Before, r.Server.Connected, r.Connect.Connected)
	r.Server.ConnectCPUSeconds = cpuBetween(r.Server.Before, r.Server.Connected)
	r.Server.DeliverCPUSeconds = cpuBetween(r.Server.Connected, r.Server.End)
	live := map[int]*workerResult{}
	for i, res := range st.results {
		if !st.frozen[i] {
			live[i] = res
			continue
		}
		f := r.Frozen
		f.StreamsEnded += res.Disconnects
		f.Received += res.Received
		f.Duplicates += res.Duplicates
	}
	if f := r.Frozen; f != nil {
		f.ServerDropped = growth(r.Server.Connected, r.Server.End, func(s *serverStats) *float64 { return s.SlowDisconnects })
		f.ServerRSSGrowth = growth(r.Server.Connected, r.Server.End, func(s *serverStats) *float64 { return s.RSSBytes })
	}
	r.fillDeliveries(c, live, pub)
	if b := r.Burst; b != nil {
		b.LastSeq = pub.LastSeq
		var behind, got int64
		for _, res := range live {
			for seq, n := range res.FinalSeq {
				got += int64(n)
				if seq < b.LastSeq {
					behind += int64(n)
				}
			}
		}
		b.Behind = behind + int64(c.Subscribers-c.frozen()) - got // never connected, or lost with a worker
		b.Skipped = max(0, int64(pub.OK)*got-r.Deliveries.Received)
	}
	r.check(st)
}

func (r *Report) fillDeliveries(c *Config, results map[int]*workerResult, pub publishResult) {
	d := &r.Deliveries
	d.Published, d.PublishFailed, d.PublishError = pub.OK, pub.Failed, pub.FirstErr
	if pub.EndNS > pub.StartNS {
		d.PublishSeconds = seconds(pub.EndNS - pub.StartNS)
	}
	subs := perTopic(c.Subscribers-c.frozen(), c.Topics)
	reported := make([]int, c.Topics) // subscribers each topic has counts for
	var lat hist
	var last int64
	for _, res := range results {
		r.Heartbeat.LongestGapMS = max(r.Heartbeat.LongestGapMS, ms(time.Duration(res.MaxGapNS)))
		r.Heartbeat.Misses += res.Misses
		d.Received += res.Received
		d.Duplicates += res.Duplicates
		d.Unexpected += res.Unexpected
		d.Foreign += res.Foreign
		d.StreamsCut += res.Disconnects
		if d.StreamError == "" {
			d.StreamError = res.FirstErr
		}
		last = max(last, res.LastRecvNS)
		lat.merge(res.Latency)
		for t, counts := range res.Distinct {
			for got, n := range counts {
				reported[t] += n
				if t < len(pub.PerTopic) && got < pub.PerTopic[t] {
					d.IncompleteSubscribers += int64(n)
				}
			}
		}
	}
	for t := range subs {
		if t >= len(pub.PerTopic) {
			break
		}
		d.Expected += int64(subs[t]) * int64(pub.PerTopic[t])
		if pub.PerTopic[t] > 0 {
			d.IncompleteSubscribers += int64(subs[t] - reported[t]) // never connected, or lost with a worker
		}
	}
	d.Missing = max(0, d.Expected-d.Received)
	if last > pub.StartNS && pub.StartNS > 0 {
		d.Seconds = seconds(last - pub.StartNS)
		d.PerSecond = float64(d.Received) / d.Seconds
	}
	r.Latency.P50MS = ms(lat.quantile(0.50))
	r.Latency.P99MS = ms(lat.quantile(0.99))
	r.Latency.MaxMS = ms(time.Duration(lat.MaxNS))
}

// check lists what went wrong; OK when nothing did.
func (r *Report) check(st *runState) {
	bad := func(format string, args ...any) { r.Errors = append(r.Errors, fmt.Sprintf(format, args...)) }
	if r.Connect.Failed > 0 {
		bad("%d of %d subscribers did not connect (first error: %s)", r.Connect.Failed, r.Subscribers, r.Connect.FirstError)
	}
	d := r.Deliveries
	if d.PublishFailed > 0 {
		what := "updates were not published"
		if r.Burst != nil {
			what = "match events were not recorded"
		}
		bad("%d of %d %s (first error: %s)", d.PublishFailed, r.Publish, what, d.PublishError)
	}
	if d.Missing > 0 {
		bad("%d deliveries missing: %d of %d expected received; %d subscribers lack updates of their topic", d.Missing, d.Received, d.Expected, d.IncompleteSubscribers)
	}
	if d.Duplicates > 0 {
		if r.Burst != nil {
			bad("%d match updates were repeats or older than one already received", d.Duplicates)
		} else {
			bad("%d deliveries were duplicates", d.Duplicates)
		}
	}
	if d.Unexpected > 0 {
		bad("%d deliveries reached a subscriber of another topic", d.Unexpected)
	}
	if d.StreamsCut > 0 {
		bad("the hub ended %d streams during the run (%s)", d.StreamsCut, d.StreamError)
	}
	if h := r.Heartbeat; h.Misses > 0 {
		bad("%d heartbeats missed: streams silent for over twice the heartbeat of %.0fms (longest %.0fms; -heartbeat is the hub's HEARTBEAT_INTERVAL)",
			h.Misses, h.ExpectedMS, h.LongestGapMS)
	}
	if f := r.Frozen; f != nil && f.Duplicates > 0 {
		bad("%d deliveries to frozen subscribers were duplicates", f.Duplicates)
	}
	if b := r.Burst; b != nil && b.Behind > 0 {
		bad("%d subscribers do not have the match's newest state (seq %d)", b.Behind, b.LastSeq)
	}
	for i := range st.n {
		if st.results[i] == nil {
			bad("worker %d ended without a result (see its errors above)", i)
		}
	}
	r.OK = len(r.Errors) == 0
}

// print writes r for people.
func (r *Report) print(w io.Writer) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-12s %s\n", label, fmt.Sprintf(format, args...))
	}
	p("hub", "%s", r.Hub)
	p("load", "%d subscribers over %d topics, %d worker processes; %d updates at %s", r.Subscribers, r.Topics, r.Workers, r.Publish, rateText(r.Rate))
	p("connect", "%d connected, %d failed in %.2fs (%.0f/s); each %.1fms p50, %.1fms p99, %.1fms max (dial to first byte)",
		r.Connect.Connected, r.Connect.Failed, r.Connect.Seconds, r.Connect.PerSecond, r.Connect.P50MS, r.Connect.P99MS, r.Connect.MaxMS)
	if r.HoldSeconds > 0 {
		p("hold", "every stream held %.0fs, the updates spread over it", r.HoldSeconds)
	}
	if len(r.Instances) > 1 {
		for i, in := range r.Instances {
			p(fmt.Sprintf("instance %d", i+1), "%s", in.Hub)
			p("", "connected: %s", statsText(in.Connected))
			p("", "end:       %s", statsText(in.End))
		}
		p("all", "%d instances summed:", len(r.Instances))
	}
	s := r.Server
	p("server", "before:    %s", statsText(s.Before))
	p("", "connected: %s", statsText(s.Connected))
	p("", "end:       %s", statsText(s.End))
	if ps := s.PerSubscriber; ps != nil {
		p("", "per subscriber: %s RSS (Go heap %s, stacks %s), %s goroutines, %s open files",
			orNA(ps.RSSBytes, 1.0/1024, "%.1f KiB"), orNA(ps.HeapInuse, 1.0/1024, "%.1f KiB"), orNA(ps.StackInuse, 1.0/1024, "%.1f KiB"),
			orNA(ps.Goroutines, 1, "%.2f"), orNA(ps.OpenFDs, 1, "%.2f"))
	}
	p("", "CPU: %s connecting (%s per subscriber), %s delivering (%s per delivery)",
		orNA(s.ConnectCPUSeconds, 1, "%.2fs"), orNA(perItem(s.ConnectCPUSeconds, int64(r.Connect.Connected)), 1, "%.0fµs"),
		orNA(s.DeliverCPUSeconds, 1, "%.2fs"), orNA(perItem(s.DeliverCPUSeconds, r.Deliveries.Received), 1, "%.1fµs"))
	d := r.Deliveries
	if r.WorkersCPUSeconds > 0 {
		p("load tool", "its worker processes used %.2fs of CPU, on the same machine as the server", r.WorkersCPUSeconds)
	}
	p("publish", "%d accepted, %d failed in %.2fs", d.Published, d.PublishFailed, d.PublishSeconds)
	p("deliveries", "%d received of %d expected: %d missing, %d duplicates, %d unexpected, %d streams cut, %d foreign",
		d.Received, d.Expected, d.Missing, d.Duplicates, d.Unexpected, d.StreamsCut, d.Foreign)
	p("", "%.2fs from the first publish to the last delivery: %.0f deliveries/s", d.Seconds, d.PerSecond)
	what := "publish to receipt"
	if r.Frozen != nil {
		what += ", subscribers not frozen"
	}
	if b := r.Burst; b != nil {
		what = "staleness: receipt minus the send time of the update's newest event"
		p("burst", "match %d (%s): seq %d to %d; %d states skipped (coalesced), %d subscribers behind the newest",
			b.Match, b.Topic, b.FirstSeq, b.LastSeq, b.Skipped, b.Behind)
	}
	p("latency", "p50 %.1fms, p99 %.1fms, max %.1fms (%s)", r.Latency.P50MS, r.Latency.P99MS, r.Latency.MaxMS, what)
	p("heartbeat", "longest silence %.0fms, %d missed (over twice %.0fms)", r.Heartbeat.LongestGapMS, r.Heartbeat.Misses, r.Heartbeat.ExpectedMS)
	if f := r.Frozen; f != nil {
		p("frozen", "%d subscribers in %d stopped processes: %d received, %d streams found ended once resumed; the hub dropped %s slow subscribers and grew %s in RSS while they were frozen",
			f.Subscribers, f.Workers, f.Received, f.StreamsEnded, orNA(f.ServerDropped, 1, "%.0f"), orNA(f.ServerRSSGrowth, 1.0/(1<<20), "%.1f MiB"))
	}
	if r.OK {
		p("result", "OK")
		return
	}
	p("result", "FAILED")
	for _, e := range r.Errors {
		p("", "- %s", e)
	}
}

func statsText(s *serverStats) string {
	if s == nil {
		return "n/a (no process_resident_memory_bytes or go_goroutines at the metrics URL)"
	}
	return fmt.Sprintf("RSS %s (Go heap %s, stacks %s), %s goroutines, %s open files, %s hub subscribers",
		orNA(s.RSSBytes, 1.0/(1<<20), "%.1f MiB"), orNA(s.HeapInuse, 1.0/(1<<20), "%.1f MiB"), orNA(s.StackInuse, 1.0/(1<<20), "%.1f MiB"),
		orNA(s.Goroutines, 1, "%.0f"), orNA(s.OpenFDs, 1, "%.0f"), orNA(s.Subscribers, 1, "%.0f"))
}

// cpuBetween is the CPU time the server used from a to b, if both say.
func cpuBetween(a, b *serverStats) *float64 {
	if a == nil || b == nil || a.CPUSeconds == nil || b.CPUSeconds == nil {
		return nil
	}
	v := *b.CPUSeconds - *a.CPUSeconds
	return &v
}

// perItem is the CPU time per item, in microseconds, if known.
func perItem(cpu *float64, n int64) *float64 {
	if cpu == nil || n <= 0 {
		return nil
	}
	v := *cpu / float64(n) * 1e6
	return &v
}

// orNA formats *v times scale, or says it is not available.
func orNA(v *float64, scale float64, format string) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf(format, *v*scale)
}

func rateText(r float64) string {
	if r <= 0 {
		return "full speed"
	}
	return strings.TrimSuffix(fmt.Sprintf("%g", r), ".0") + "/s"
}

func seconds(ns int64) float64   { return float64(ns) / 1e9 }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
