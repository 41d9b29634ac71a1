// Package web is the scoreboard's HTTP layer: the chi router, middleware
// (recovery, request logs, metrics), the error renderer every handler goes
// through, the JSON API (/api/v1), accounts and sessions, the health
// endpoints, and the mount points of the hub. It knows the domain and the
// hub only through the small interfaces it declares.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/templates"
)

// Deps are what the handler is built from. Store and APIKey are required;
// Logger defaults to slog.Default().
type Deps struct {
	// Store keeps everything.
	Store Store
	// Ready answers readiness checks (GET /readyz); nil means Store.
	Ready Pinger
	// APIKey signs and verifies API tokens (HS256; see APIKeySecret).
	APIKey []byte
	// Hub serves /.well-known/mercure and everything below it; nil leaves
	// those routes unmounted.
	Hub http.Handler
	// HubStats, if set, gives the hub's counters to GET /metrics.
	HubStats func() hub.Stats
	// Instance, if set, names this process on GET /metrics
	// (scoreboard_instance_info), to tell instances apart.
	Instance string
	// PublicURL is the server's public base URL (no trailing slash): the
	// base of match topics and links, and, when it is https, what makes
	// session cookies Secure.
	PublicURL string
	// HubSubscriberKey, if it can sign, signs the short-lived tokens with
	// which admin pages read the hub's active subscriptions (the number
	// of fans watching a match); nil leaves that number out.
	HubSubscriberKey *hub.Key
	// Demo serves the hub's debugging page at /.well-known/mercure/ui/, as
	// the reference hub does when DEMO=1.
	Demo bool
	// Logger receives request logs and internal errors.
	Logger *slog.Logger
	// ReadyTimeout bounds the database ping of GET /readyz; 0 means 2s.
	ReadyTimeout time.Duration
	// MaxAPIInFlight bounds the API requests served at once; past it the
	// API answers 503 with Retry-After. 0 means DefaultMaxAPIInFlight.
	MaxAPIInFlight int
	// MaxAPIInFlightPerAddress bounds those of one client address; past it
	// the API answers 429 with Retry-After, so that one client cannot take
	// every slot. 0 means DefaultMaxAPIInFlightPerAddress.
	MaxAPIInFlightPerAddress int
	// BodyTimeout bounds the time a client may take to send a request
	// body to the API; 0 means DefaultBodyTimeout.
	BodyTimeout time.Duration
}

// DefaultMaxAPIInFlight is how many API requests are served at once by
// default: each costs at most one JSON body (maxJSONBody) or one page of
// results, so this bounds what the API can hold in memory.
const DefaultMaxAPIInFlight = 256

// DefaultMaxAPIInFlightPerAddress is how many of them one client address
// may have by default.
const DefaultMaxAPIInFlightPerAddress = 32

// DefaultBodyTimeout is how long a client may take to send a request body
// by default: a body trickled byte by byte would otherwise hold its
// request's slot for as long as the client likes.
const DefaultBodyTimeout = 10 * time.Second

// server holds what handlers share.
type server struct {
	store        Store
	ready        Pinger
	apiKey       []byte
	log          *slog.Logger
	readyTimeout time.Duration
	publicURL    string
	// secureCookies is whether cookies get the Secure attribute: when the
	// public URL is https.
	secureCookies bool
	csrf          *http.CrossOriginProtection
	limiter       *inFlightLimiter
	demo          bool
	// hubKey signs tokens for the hub's subscriptions API (Deps.HubSubscriberKey).
	hubKey *hub.Key
	// logins throttles password checks per account and per address.
	logins *loginThrottle
}

// NewHandler returns the scoreboard's HTTP handler: every route of the
// binary, behind the recovery, logging and metrics middleware.
func NewHandler(d Deps) http.Handler {
	_, h := newServer(d)
	return h
}

// newServer builds the server and its router.
func newServer(d Deps) (*server, *chi.Mux) {
	s := &server{
		store: d.Store, apiKey: d.APIKey, log: d.Logger, readyTimeout: d.ReadyTimeout,
		publicURL:     strings.TrimRight(d.PublicURL, "/"),
		secureCookies: strings.HasPrefix(d.PublicURL, "https://"),
		csrf:          http.NewCrossOriginProtection(),
		demo:          d.Demo,
		hubKey:        d.HubSubscriberKey,
		logins:        newLoginThrottle(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.ready = d.Ready; s.ready == nil {
		s.ready = d.Store
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = 2 * time.Second
	}
	s.limiter = newInFlightLimiter(d.MaxAPIInFlight, d.MaxAPIInFlightPerAddress, d.BodyTimeout)
	m := newMetrics(d.HubStats, d.Store, d.Instance, s.log)

	r := chi.NewRouter()
	// Recovery sits inside logging and metrics so that a panic is counted
	// and logged as the 500 it became.
	r.Use(m.middleware, s.logRequests, s.recoverPanics)
	r.NotFound(s.handle(notFound))
	// chi's own 405 stays: it lists the allowed methods in Allow.

	r.Get("/", s.handle(s.home))
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", m)
	r.Route("/api/v1", s.apiRoutes)
	s.setupPageRoutes(r)
	s.widgetRoutes(r)
	s.adminRoutes(r)

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
	return s, r
}

// apiRoutes mounts the JSON API: public reads for anyone, writes for
// signed-in users (requireUser), some for admins only.
func (s *server) apiRoutes(r chi.Router) {
	r.Use(s.apiCORS, s.limitInFlight)
	r.NotFound(s.handle(notFound))
	r.Get("/openapi.json", s.handle(s.openAPI))

	r.Get("/matches", s.handle(s.listMatches))
	r.Get("/matches/{id}", s.handle(s.getMatch))
	r.Get("/matches/{id}/events", s.handle(s.listEvents))
	r.Get("/competitions", s.handle(s.listCompetitions))
	r.Get("/competitions/{ref}", s.handle(s.getCompetition))
	r.Get("/teams", s.handle(s.listTeams))
	r.Get("/teams/{id}", s.handle(s.getTeam))
	s.publicAccountRoutes(r)

	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Patch("/matches/{id}", s.handle(s.editMatch))
		r.Post("/matches/{id}/events", s.handle(s.appendEvent))
		s.accountRoutes(r)
		r.Group(func(r chi.Router) {
			r.Use(s.requireAdmin("manage competitions, teams and matches"))
			r.Post("/matches", s.handle(s.createMatch))
			r.Get("/matches/{id}/scorers", s.handle(s.listScorers))
			r.Put("/matches/{id}/scorers/{userID}", s.handle(s.assignScorer))
			r.Delete("/matches/{id}/scorers/{userID}", s.handle(s.unassignScorer))
			r.Post("/competitions", s.handle(s.createCompetition))
			r.Patch("/competitions/{ref}", s.handle(s.editCompetition))
			r.Post("/competitions/{ref}/fixtures", s.handle(s.importFixtures))
			r.Post("/teams", s.handle(s.createTeam))
			r.Patch("/teams/{id}", s.handle(s.editTeam))
		})
	})
}
