package web

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metrics counts requests by method, route and status, times them, and
// serves the figures at GET /metrics in the Prometheus text format (0.0.4).
//
// It is written by hand, not with client_golang, because go.mod does not yet
// carry client_golang's own requirements; the metric names and labels are
// the conventional ones, so dashboards will not change when it switches.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	duration map[durationKey]*histogram
	inFlight int64
}

type requestKey struct{ method, route, code string }

type durationKey struct{ method, route string }

// buckets are the upper bounds, in seconds, of the duration histogram. Event
// streams last minutes or hours and land in +Inf; that is their nature.
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last one is +Inf
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, duration: map[durationKey]*histogram{}}
}

// middleware records every request once it ends.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.mu.Lock()
		m.inFlight++
		m.mu.Unlock()
		rw := wrap(w)
		defer func() {
			m.observe(methodLabel(r.Method), routeOf(r), rw.code(), time.Since(start))
		}()
		next.ServeHTTP(rw, r)
	})
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight--
	m.requests[requestKey{method, route, strconv.Itoa(code)}]++
	k := durationKey{method, route}
	h := m.duration[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets)+1)}
		m.duration[k] = h
	}
	s := d.Seconds()
	i, _ := slices.BinarySearch(buckets, s)
	h.counts[i]++
	h.sum += s
	h.count++
}

// methodLabel keeps the method label to the standard methods, so that a
// client inventing methods cannot grow the series without bound.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// ServeHTTP serves GET /metrics.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	m.write(bw)
	bw.Flush()
}

func (m *metrics) write(w *bufio.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()

	fmt.Fprintln(w, "# HELP http_requests_total HTTP requests served, by method, route and status code.")
	fmt.Fprintln(w, "# TYPE http_requests_total counter")
	reqs := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqs = append(reqs, k)
	}
	slices.SortFunc(reqs, func(a, b requestKey) int {
		return strings.Compare(a.route+" "+a.method+" "+a.code, b.route+" "+b.method+" "+b.code)
	})
	for _, k := range reqs {
		fmt.Fprintf(w, "http_requests_total{code=%s,method=%s,route=%s} %d\n",
			quote(k.code), quote(k.method), quote(k.route), m.requests[k])
	}

	fmt.Fprintln(w, "# HELP http_request_duration_seconds Time from a request's arrival to the end of its response.")
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds histogram")
	durs := make([]durationKey, 0, len(m.duration))
	for k := range m.duration {
		durs = append(durs, k)
	}
	slices.SortFunc(durs, func(a, b durationKey) int {
		return strings.Compare(a.route+" "+a.method, b.route+" "+b.method)
	})
	for _, k := range durs {
		h := m.duration[k]
		labels := "method=" + quote(k.method) + ",route=" + quote(k.route)
		var cum uint64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s,le=%s} %d\n", labels, quote(strconv.FormatFloat(le, 'g', -1, 64)), cum)
		}
		fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(w, "http_request_duration_seconds_sum{%s} %s\n", labels, strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(w, "http_request_duration_seconds_count{%s} %d\n", labels, h.count)
	}

	fmt.Fprintln(w, "# HELP http_requests_in_flight HTTP requests being served, open event streams included.")
	fmt.Fprintln(w, "# TYPE http_requests_in_flight gauge")
	fmt.Fprintf(w, "http_requests_in_flight %d\n", m.inFlight)
}

// labelEscaper escapes a label value as the text format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// quote returns v as a quoted label value.
func quote(v string) string { return `"` + labelEscaper.Replace(v) + `"` }
