package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// metrics counts requests by method, route and status and times them, on a
// registry of the handler's own (so that two handlers in one process, as in
// tests, do not collide), and serves it at GET /metrics with the Go runtime
// and process collectors.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	handler  http.Handler
}

func newMetrics(hubStats func() hub.Stats) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by method, route and status code.",
		}, []string{"code", "method", "route"}),
		// Event streams last minutes or hours and land in +Inf; that is
		// their nature.
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served, open event streams included.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if hubStats != nil {
		m.registry.MustRegister(hubCollector(hubStats))
	}
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// hubCollector exports the hub's counters, read once per scrape.
type hubCollector func() hub.Stats

var (
	hubSubscribersDesc = prometheus.NewDesc("hub_subscribers",
		"Open event streams of the Mercure hub.", nil, nil)
	hubDispatchedDesc = prometheus.NewDesc("hub_updates_dispatched_total",
		"Updates the hub dispatched (stored ones and subscription events).", nil, nil)
	hubDeliveredDesc = prometheus.NewDesc("hub_deliveries_total",
		"Updates queued for a subscriber, one per (update, subscriber).", nil, nil)
	hubSlowDesc = prometheus.NewDesc("hub_slow_disconnects_total",
		"Subscribers disconnected because their queue was full.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c hubCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- hubSubscribersDesc
	ch <- hubDispatchedDesc
	ch <- hubDeliveredDesc
	ch <- hubSlowDesc
}

// Collect implements prometheus.Collector.
func (c hubCollector) Collect(ch chan<- prometheus.Metric) {
	st := c()
	ch <- prometheus.MustNewConstMetric(hubSubscribersDesc, prometheus.GaugeValue, float64(st.Subscribers))
	ch <- prometheus.MustNewConstMetric(hubDispatchedDesc, prometheus.CounterValue, float64(st.Dispatched))
	ch <- prometheus.MustNewConstMetric(hubDeliveredDesc, prometheus.CounterValue, float64(st.Delivered))
	ch <- prometheus.MustNewConstMetric(hubSlowDesc, prometheus.CounterValue, float64(st.SlowDisconnects))
}

// middleware records every request once it ends.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		rw := wrap(w)
		defer func() {
			m.inFlight.Dec()
			method, route := methodLabel(r.Method), routeOf(r)
			m.requests.WithLabelValues(strconv.Itoa(rw.code()), method, route).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rw, r)
	})
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
	m.handler.ServeHTTP(w, r)
}
