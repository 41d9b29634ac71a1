// Package web is the scoreboard's HTTP layer: the chi router, middleware
// (recovery, request logs, metrics), the error renderer every handler goes
// through, the health endpoints, and the mount points of the hub. It knows
// the domain and the hub only through the small interfaces it declares.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/templates"
)

// Pinger is what the web layer needs from the store so far: whether the
// database answers (GET /readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the handler is built from. Store is required; Logger
// defaults to slog.Default().
type Deps struct {
	// Store answers readiness checks.
	Store Pinger
	// Hub serves /.well-known/mercure and everything below it; nil leaves
	// those routes unmounted.
	Hub http.Handler
	// HubStats, if set, gives the hub's counters to GET /metrics.
	HubStats func() hub.Stats
	// PublicURL is the server's public base URL (no trailing slash), used to
	// build absolute links such as the match topics the debugging page
	// suggests.
	PublicURL string
	// Demo serves the hub's debugging page at /.well-known/mercure/ui/, as
	// the reference hub does when DEMO=1.
	Demo bool
	// Logger receives request logs and internal errors.
	Logger *slog.Logger
	// ReadyTimeout bounds the database ping of GET /readyz; 0 means 2s.
	ReadyTimeout time.Duration
}

// server holds what handlers share.
type server struct {
	store        Pinger
	log          *slog.Logger
	readyTimeout time.Duration
}

// NewHandler returns the scoreboard's HTTP handler: every route of the
// binary, behind the recovery, logging and metrics middleware.
func NewHandler(d Deps) http.Handler {
	s := &server{store: d.Store, log: d.Logger, readyTimeout: d.ReadyTimeout}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = 2 * time.Second
	}
	m := newMetrics(d.HubStats)

	r := chi.NewRouter()
	// Recovery sits inside logging and metrics so that a panic is counted
	// and logged as the 500 it became.
	r.Use(m.middleware, s.logRequests, s.recoverPanics)
	r.NotFound(s.handle(notFound))
	// chi's own 405 stays: it lists the allowed methods in Allow.

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", m)

	if d.Hub != nil {
		r.Handle("/.well-known/mercure", d.Hub)
		r.Handle("/.well-known/mercure/*", d.Hub)
	}
	if d.Demo {
		page := templ.Handler(templates.HubDemo(templates.HubDemoView{
			HubURL:       "/.well-known/mercure",
			DefaultTopic: d.PublicURL + "/matches/{id}",
		}))
		r.Method(http.MethodGet, "/.well-known/mercure/ui", http.RedirectHandler("/.well-known/mercure/ui/", http.StatusMovedPermanently))
		r.Method(http.MethodGet, "/.well-known/mercure/ui/", page)
	}
	return r
}
