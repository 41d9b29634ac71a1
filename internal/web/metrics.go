package web

import (
	"context"
	"log/slog"
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

func newMetrics(hubStats func() hub.Stats, store any, instance string, log *slog.Logger) *metrics {
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
	if sp, ok := store.(historySpanner); ok {
		ls, _ := store.(listenerStater)
		m.registry.MustRegister(&storeCollector{history: sp, listener: ls, log: log})
	}
	if instance != "" {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "scoreboard_instance_info",
			Help:        "Always 1; its instance_id label names this process (the id it logged at start), to tell instances apart behind a load balancer.",
			ConstLabels: prometheus.Labels{"instance_id": instance},
		}, func() float64 { return 1 }))
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
		"Subscribers disconnected because their queue was full (hub_subscriber_drops_total{reason=\"slow\"}).", nil, nil)
	hubPublishedDesc = prometheus.NewDesc("hub_updates_published_total",
		"Stored updates (Mercure publishes and match events, from any instance) the hub fanned out.", nil, nil)
	hubDropsDesc = prometheus.NewDesc("hub_subscriber_drops_total",
		"Streams the hub ended, by reason: slow (queue full), write_error (a write failed or passed its deadline), token_expired. Clients leaving are not drops.",
		[]string{"reason"}, nil)
	hubReplaysDesc = prometheus.NewDesc("hub_replays_total",
		"Subscribers resuming from a Last-Event-ID, by where their replay came from: ring (the recent updates in memory) or history (the store).",
		[]string{"source"}, nil)
	hubLatencyDesc = prometheus.NewDesc("hub_delivery_latency_seconds",
		"Time from the hub's receipt of an update to the end of its write to a subscriber's connection; one observation per batch written to a subscriber, of its oldest update.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c hubCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- hubSubscribersDesc
	ch <- hubDispatchedDesc
	ch <- hubDeliveredDesc
	ch <- hubSlowDesc
	ch <- hubPublishedDesc
	ch <- hubDropsDesc
	ch <- hubReplaysDesc
	ch <- hubLatencyDesc
}

// Collect implements prometheus.Collector.
func (c hubCollector) Collect(ch chan<- prometheus.Metric) {
	st := c()
	ch <- prometheus.MustNewConstMetric(hubSubscribersDesc, prometheus.GaugeValue, float64(st.Subscribers))
	ch <- prometheus.MustNewConstMetric(hubDispatchedDesc, prometheus.CounterValue, float64(st.Dispatched))
	ch <- prometheus.MustNewConstMetric(hubDeliveredDesc, prometheus.CounterValue, float64(st.Delivered))
	ch <- prometheus.MustNewConstMetric(hubSlowDesc, prometheus.CounterValue, float64(st.SlowDisconnects))
	ch <- prometheus.MustNewConstMetric(hubPublishedDesc, prometheus.CounterValue, float64(st.Published))
	for _, d := range []struct {
		reason string
		n      uint64
	}{{"slow", st.SlowDisconnects}, {"write_error", st.WriteErrors}, {"token_expired", st.TokenExpiries}} {
		ch <- prometheus.MustNewConstMetric(hubDropsDesc, prometheus.CounterValue, float64(d.n), d.reason)
	}
	ch <- prometheus.MustNewConstMetric(hubReplaysDesc, prometheus.CounterValue, float64(st.RingReplays), "ring")
	ch <- prometheus.MustNewConstMetric(hubReplaysDesc, prometheus.CounterValue, float64(st.HistoryReplays), "history")
	l := st.Latency
	buckets := make(map[float64]uint64, len(l.Bounds))
	for i, b := range l.Bounds {
		buckets[b] = l.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(hubLatencyDesc, l.Count, l.Sum, buckets)
}

// historySpanner is the store's history, as GET /metrics reads it at
// every scrape: two index lookups (both stores).
type historySpanner interface {
	HistorySpan(ctx context.Context) (oldest, newest int64, err error)
}

// listenerStater is the state of the connection that hears the other
// instances' updates (PostgreSQL's LISTEN; see postgres.DB.ListenerState).
type listenerStater interface {
	ListenerState() (listening bool, lastSeq int64, heard time.Time)
}

// storeCollector exports the store's side: the history's size, the
// database's round trip, and PostgreSQL's listening connection. A scrape
// costs one query (the history's span, which is also the round trip
// measured), bounded by scrapeTimeout.
type storeCollector struct {
	history  historySpanner
	listener listenerStater // nil for SQLite
	log      *slog.Logger
}

// scrapeTimeout bounds the store's query of a scrape.
const scrapeTimeout = time.Second

var (
	dbUpDesc = prometheus.NewDesc("scoreboard_database_up",
		"1 when the scrape's query of the database succeeded (within 1s), 0 otherwise.", nil, nil)
	dbRoundTripDesc = prometheus.NewDesc("scoreboard_database_round_trip_seconds",
		"Time the scrape's query of the database took (the history's oldest and newest seq: two index lookups).", nil, nil)
	historySizeDesc = prometheus.NewDesc("hub_history_updates",
		"Updates in the hub's history, as newest seq - oldest seq + 1 (seqs left unused by rolled-back writes count too).", nil, nil)
	listenerUpDesc = prometheus.NewDesc("scoreboard_listener_connected",
		"PostgreSQL: 1 while the connection that hears other instances' updates (LISTEN) listens, 0 while it is cut off and reconnecting.", nil, nil)
	listenerBehindDesc = prometheus.NewDesc("scoreboard_listener_behind_updates",
		"PostgreSQL: the history's newest seq less the last one handed to this instance's hub: updates committed that its subscribers have not been sent yet.", nil, nil)
	listenerHeardDesc = prometheus.NewDesc("scoreboard_listener_last_notification_timestamp_seconds",
		"PostgreSQL: Unix time at which the listening connection last received a notification (absent before the first).", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbUpDesc
	ch <- dbRoundTripDesc
	ch <- historySizeDesc
	if c.listener != nil {
		ch <- listenerUpDesc
		ch <- listenerBehindDesc
		ch <- listenerHeardDesc
	}
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	var listening bool
	var lastSeq int64
	var heard time.Time
	if c.listener != nil { // before the query: behind is then never below 0
		listening, lastSeq, heard = c.listener.ListenerState()
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	start := time.Now()
	oldest, newest, err := c.history.HistorySpan(ctx)
	took := time.Since(start)
	up := 1.0
	if err != nil {
		up = 0
		c.log.Warn("metrics: read the history's span", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(dbUpDesc, prometheus.GaugeValue, up)
	if err == nil {
		ch <- prometheus.MustNewConstMetric(dbRoundTripDesc, prometheus.GaugeValue, took.Seconds())
		size := 0.0
		if newest > 0 {
			size = float64(newest - oldest + 1)
		}
		ch <- prometheus.MustNewConstMetric(historySizeDesc, prometheus.GaugeValue, size)
	}
	if c.listener == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(listenerUpDesc, prometheus.GaugeValue, b2f(listening))
	if err == nil && lastSeq >= 0 {
		ch <- prometheus.MustNewConstMetric(listenerBehindDesc, prometheus.GaugeValue, float64(max(newest-lastSeq, 0)))
	}
	if !heard.IsZero() {
		ch <- prometheus.MustNewConstMetric(listenerHeardDesc, prometheus.GaugeValue, float64(heard.UnixNano())/1e9)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
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
