package main

import (
	"math"
	"sync/atomic"
	"time"
)

// Latencies are counted in logarithmic buckets 1% wide, from 1µs to over
// an hour: percentiles within 1%, in constant memory however many
// deliveries there are, and small enough to send from a worker as JSON.
const (
	histGrowth  = 1.01
	histBuckets = 2300 // 1.01^2300 µs is about 2.2 hours
)

var logGrowth = math.Log(histGrowth)

// bucketOf is the bucket of latency d.
func bucketOf(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	b := 1 + int(math.Log(us)/logGrowth)
	return min(b, histBuckets-1)
}

// bucketUpper is the largest latency bucket b holds.
func bucketUpper(b int) time.Duration {
	return time.Duration(math.Pow(histGrowth, float64(b)) * float64(time.Microsecond))
}

// liveHist is a histogram many goroutines add to.
type liveHist struct {
	counts [histBuckets]atomic.Int64
	max    atomic.Int64
}

func (h *liveHist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(d)].Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// snapshot is the histogram as sent to the parent: non-empty buckets only.
func (h *liveHist) snapshot() hist {
	out := hist{Buckets: map[int]int64{}, MaxNS: h.max.Load()}
	for b := range h.counts {
		if n := h.counts[b].Load(); n > 0 {
			out.Buckets[b] = n
		}
	}
	return out
}

// hist is a latency histogram: the count in each bucket and the exact
// maximum.
type hist struct {
	Buckets map[int]int64 `json:"buckets"`
	MaxNS   int64         `json:"max_ns"`
}

// merge adds o to h.
func (h *hist) merge(o hist) {
	if h.Buckets == nil {
		h.Buckets = map[int]int64{}
	}
	for b, n := range o.Buckets {
		h.Buckets[b] += n
	}
	h.MaxNS = max(h.MaxNS, o.MaxNS)
}

// quantile is the latency below which a fraction q of the deliveries
// fell (the upper bound of its bucket, never above the maximum).
func (h *hist) quantile(q float64) time.Duration {
	var total int64
	for _, n := range h.Buckets {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for b := 0; b < histBuckets; b++ {
		seen += h.Buckets[b]
		if seen >= rank {
			return min(bucketUpper(b), time.Duration(h.MaxNS))
		}
	}
	return time.Duration(h.MaxNS)
}
