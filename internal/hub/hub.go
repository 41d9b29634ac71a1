package hub

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// TODO(hub-delivery helper): implement. These signatures are the contract.

// Config configures a Hub. The binary fills it from the environment.
type Config struct {
	// History keeps updates for replay; required.
	History History
	// PublisherKey verifies publishers' JWTs; nil refuses every publish.
	PublisherKey *Key
	// SubscriberKey verifies subscribers' JWTs; nil allows only anonymous
	// subscriptions (and so no private updates).
	SubscriberKey *Key
	// AllowAnonymous lets subscribers without a JWT receive public updates.
	AllowAnonymous bool
	// CORSOrigins are the origins allowed to subscribe (and publish) from a
	// browser; ["*"] (the default when empty) allows any, without credentials.
	CORSOrigins []string
	// PublishOrigins are the origins allowed to publish with the
	// mercureAuthorization cookie (CSRF protection).
	PublishOrigins []string
	// Heartbeat is the interval of keep-alive comments; 0 means 15s.
	Heartbeat time.Duration
	// Subscriptions enables the active subscriptions API and events.
	Subscriptions bool
	// RetainUpdates and RetainFor bound the history: the hub prunes all but
	// the newest RetainUpdates updates and those older than RetainFor.
	RetainUpdates int
	RetainFor     time.Duration
	// Logger receives the hub's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Hub is a Mercure hub.
type Hub struct{}

// New validates c and returns a hub ready to serve.
func New(c Config) (*Hub, error) { return nil, errors.New("not implemented") }

// ServeHTTP serves GET and POST /.well-known/mercure and the subscriptions
// API below it; mount it at /.well-known/mercure and below.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}

// Publish stores u in the history (generating its ID when empty) and
// delivers it to the subscribers it may reach.
func (h *Hub) Publish(ctx context.Context, u Update) (Update, error) {
	return Update{}, errors.New("not implemented")
}

// Dispatch delivers u, already stored in the history (Seq set), to the
// subscribers it may reach. Stores call it after commit.
func (h *Hub) Dispatch(u Update) {}

// Shutdown ends every open stream at once, so that http.Server.Shutdown
// need not wait for idle subscribers; register it with RegisterOnShutdown.
func (h *Hub) Shutdown() {}
