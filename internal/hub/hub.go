package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Hub. The binary fills it from the environment.
type Config struct {
	// History keeps updates for replay; required.
	History History
	// Transport brings the updates committed to History (by Publish or by
	// anyone else writing to the store) to the hub, in Seq order; required.
	// The stores are both.
	Transport Transport
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
	// Zero (or less) leaves that bound off; with both off the history
	// grows without bound.
	RetainUpdates int
	RetainFor     time.Duration
	// Logger receives the hub's logs; nil means slog.Default().
	Logger *slog.Logger
	// QueueSize is how many updates may wait for one subscriber before it
	// is disconnected as too slow; 0 means DefaultQueueSize.
	QueueSize int
	// WriteTimeout bounds each write to a subscriber; 0 means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// MaxSubscriberTemplates is how many distinct URI template selectors
	// one subscription may carry (more is a 400); 0 means
	// DefaultMaxSubscriberTemplates.
	MaxSubscriberTemplates int
	// MaxTemplates is how many distinct URI template selectors all open
	// subscriptions together may hold (a subscription that would add one
	// more is a 429); 0 means DefaultMaxTemplates.
	MaxTemplates int
	// MaxReplays is how many subscribers may replay the history at once;
	// one more waits up to a second for its turn, then gets a 503 with
	// Retry-After. One address may hold a quarter of the turns (429
	// beyond; loopback and private addresses are not capped so). Each
	// replay holds at most a page of updates (about 1 MB), so this bounds
	// the memory of replays; resuming from a recent update (see
	// recentUpdates) needs no turn. 0 means DefaultMaxReplays.
	MaxReplays int
	// MaxSubscribersPerAddress is how many open subscriptions one client
	// address (http.Request.RemoteAddr; an IPv6 address counts as its /64)
	// may hold; one more is a 429. Loopback and private addresses are not
	// capped (a reverse proxy on this machine or its network, a load
	// tool). 0 means DefaultMaxSubscribersPerAddress; -1 turns the cap
	// off, as a hub behind a proxy with a public address needs unless
	// something sets RemoteAddr to the client's address.
	MaxSubscribersPerAddress int
}

// Hub is a Mercure hub. Its protocol layer (the handlers: parsing,
// authorization, history) hands encoded updates to its delivery path (the
// registry of subscribers and their writers), which knows nothing of the
// protocol: each update is encoded once, its subscribers are found through
// an index of their selectors, and each subscriber's writer drains a
// bounded queue.
//
// Where the protocol leaves room, the hub decides:
//   - resuming from an id the history does not hold (pruned, or never
//     stored), or from a private update's id the subscriber may not see,
//     replays everything still retained that the subscriber may see, with
//     the Last-Event-ID response header "earliest", so nothing retained is
//     missed, the client can tell it may have lost some, and a guessed
//     private id is told from a wrong guess by nothing;
//   - the Last-Event-ID header of a subscription without one is the newest
//     update it may see, else the newest public one: never a private
//     update's id that its token does not allow;
//   - a published id already in the history is refused (409), as are ids
//     starting with "#" and "earliest" (400): subscribers resume by id;
//   - subscription events are dispatched but not stored: thousands of fans
//     connecting must not mean thousands of INSERTs;
//   - retention (RetainUpdates, RetainFor) is applied at start and then
//     every minute by a goroutine that Shutdown stops, not on publish;
//   - a subscriber whose queue is full is disconnected; it reconnects with
//     its last id and replays what it missed, and nobody waits for it;
//   - every stored update reaches subscribers through the Transport, after
//     its commit and in Seq order, whether Publish or the domain wrote it;
//     Publish does not dispatch by itself, but returns once its update is
//     fanned out; the fan-out runs off the commit path (see dispatch.go);
//   - a subscriber resuming from a recent id is served from a ring of the
//     newest updates, already encoded, filled from the history at start
//     (see recentUpdates); other replays read the history a page at a
//     time (about 1 MB), filtered by topic in the store when every
//     selector is a topic, at most Config.MaxReplays at once (503 with
//     Retry-After beyond);
//   - an anonymous client's cost is bounded: Config.MaxSubscribersPerAddress
//     open subscriptions per address (429), MaxQueryParams parameters per
//     query (400), and text that a store would refuse (NUL, invalid
//     UTF-8) is refused as a 400 naming the field, or is an unknown id;
//   - a plain HTTP/1.1 stream (no TLS) leaves net/http once its replay
//     is over, so that an idle connection holds no goroutine: writer
//     goroutines write what is queued, epoll reports hang-ups (see
//     hijack.go, Linux only); HTTP/2 and TLS streams keep the net/http
//     path, with the same encoder, queues and batches;
//   - URI template selectors cost memory and matching time that anyone may
//     ask for, so they are bounded: Config.MaxSubscriberTemplates distinct
//     ones per subscription (400 beyond), Config.MaxTemplates for the whole
//     hub (429 beyond, with Retry-After), each compiled once and shared by
//     every subscriber that sends it.
type Hub struct {
	cfg  Config
	log  *slog.Logger // cfg.Logger, or slog.Default()
	reg  *registry
	cors corsPolicy
	// publishOrigins are Config.PublishOrigins, normalized once.
	publishOrigins corsPolicy
	stats          counters
	// subscribeAuth and publishAuth are the handlers' authentication
	// policies, built once by New.
	subscribeAuth, publishAuth authPolicy
	// volatile maps the ids of recent subscription events, which are not
	// stored, to where a client resuming from one picks up the history.
	volatile *volatileIDs
	// templates holds the compiled URI template selectors of the open
	// subscriptions, one per distinct template.
	templates *templateCache
	// replays holds a token per replay running (Config.MaxReplays), each
	// for at most replayTimeout.
	replays       chan struct{}
	replayTimeout time.Duration
	// addresses counts the open subscriptions per client address, and
	// addressReplays the replays of the history running for each (at
	// most a quarter of Config.MaxReplays, so that one address cannot
	// take every turn).
	addresses, addressReplays *addressCounts

	// stopListening ends the hub's subscription to the Transport.
	stopListening func()
	// pending holds the committed updates the dispatcher fans out, in
	// order; watermark is the Seq of the last it did; dispatched is closed
	// when the dispatcher has stopped. See dispatch.go.
	pending    chan received
	watermark  watermark
	dispatched chan struct{}
	// recent holds the newest dispatched updates, encoded, for replays.
	recent *recentUpdates
	// conns writes the hijacked HTTP/1.1 streams (nil: none are).
	conns *conns

	closeOnce sync.Once
	retained  chan struct{} // closed when the retention goroutine is done
	// ctx is cancelled by Shutdown.
	ctx    context.Context
	cancel context.CancelFunc
}

// New validates c and returns a hub ready to serve. It reads the newest
// update of the history (the Last-Event-ID of the first subscribers) and
// the newest few thousand (the ring that serves resumptions, see
// recentUpdates), and,
// when c bounds the history, starts the goroutine that prunes it at once
// and then every minute (see Prune); Shutdown stops it.
func New(c Config) (*Hub, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg:            c,
		log:            c.Logger,
		reg:            newRegistry(newest{}),
		cors:           newCORSPolicy(c.CORSOrigins),
		publishOrigins: newOriginSet(c.PublishOrigins),
		volatile:       newVolatileIDs(volatileIDsKept),
		templates:      newTemplateCache(c.MaxTemplates),
		replays:        make(chan struct{}, c.MaxReplays),
		replayTimeout:  replayTimeout,
		addresses:      newAddressCounts(c.MaxSubscribersPerAddress, subscriptionsFull),
		addressReplays: newAddressCounts(max(1, c.MaxReplays/4), replaysFull),
		retained:       make(chan struct{}),
		pending:        make(chan received, dispatchBacklog),
		stats:          counters{latency: newLatency()},
		dispatched:     make(chan struct{}),
		recent:         newRecentUpdates(recentKept, recentBytes),
		ctx:            ctx,
		cancel:         cancel,
	}
	h.reg.onSlow = h.tooSlow
	h.conns = newConns(h)
	h.subscribeAuth = subscribePolicy(c.AllowAnonymous)
	h.publishAuth = h.publishPolicy()
	// Listen before reading the history: an update committed meanwhile is
	// read and queued both, and the dispatcher, started after, ignores it
	// the second time; none falls between the two.
	h.stopListening = c.Transport.Listen(h.Dispatch)
	if err := h.readHistory(); err != nil {
		h.stopListening()
		h.conns.close()
		cancel()
		return nil, err
	}
	go h.dispatcher()
	if c.RetainUpdates > 0 || c.RetainFor > 0 {
		go h.retain()
	} else {
		close(h.retained)
	}
	return h, nil
}

// readHistory reads, before the dispatcher starts, the newest update of
// the history (the Last-Event-ID of the first subscribers, the watermark)
// and the newest few thousand (the ring of recent updates, which serves
// the resumptions after a restart).
func (h *Hub) readHistory() error {
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	last, err := h.cfg.History.LastUpdate(ctx)
	if err != nil {
		return fmt.Errorf("new hub: read the newest update of the history: %w", err)
	}
	recent, err := h.cfg.History.LastUpdates(ctx, recentKept, recentBytes)
	if err != nil {
		return fmt.Errorf("new hub: read the newest updates of the history: %w", err)
	}
	h.reg.newest = newNewest(last)
	for i := len(recent) - 1; i >= 0 && h.reg.newest.public.id == ""; i-- {
		if u := recent[i]; !u.Private && u.Seq <= last.Seq {
			h.reg.newest.public = lastUpdate{id: u.ID, seq: u.Seq}
		}
	}
	h.watermark.seq = last.Seq
	for i := range recent {
		h.recent.add(&recent[i], newEvent(recent[i]))
	}
	return nil
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Heartbeat == 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxSubscriberTemplates == 0 {
		c.MaxSubscriberTemplates = DefaultMaxSubscriberTemplates
	}
	if c.MaxTemplates == 0 {
		c.MaxTemplates = DefaultMaxTemplates
	}
	if c.MaxReplays == 0 {
		c.MaxReplays = DefaultMaxReplays
	}
	if c.MaxSubscribersPerAddress == 0 {
		c.MaxSubscribersPerAddress = DefaultMaxSubscribersPerAddress
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks c; the error names the field and what to fix.
func (c Config) validate() error {
	switch {
	case c.History == nil:
		return errors.New("new hub: Config.History is required: give the store that keeps the updates")
	case c.Transport == nil:
		return errors.New("new hub: Config.Transport is required: give the store that tells the hub of its commits")
	case c.SubscriberKey == nil && !c.AllowAnonymous:
		return errors.New("new hub: anonymous subscribers are refused and there is no subscriber key, so nobody could subscribe: set a subscriber key or allow anonymous subscribers")
	case c.Heartbeat < 0:
		return fmt.Errorf("new hub: heartbeat interval %s is negative", c.Heartbeat)
	case c.QueueSize < 0:
		return fmt.Errorf("new hub: queue size %d is negative", c.QueueSize)
	case c.WriteTimeout < 0:
		return fmt.Errorf("new hub: write timeout %s is negative", c.WriteTimeout)
	case c.MaxSubscriberTemplates < 0:
		return fmt.Errorf("new hub: Config.MaxSubscriberTemplates %d is negative", c.MaxSubscriberTemplates)
	case c.MaxTemplates < 0:
		return fmt.Errorf("new hub: Config.MaxTemplates %d is negative", c.MaxTemplates)
	case c.MaxReplays < 0:
		return fmt.Errorf("new hub: Config.MaxReplays %d is negative", c.MaxReplays)
	case c.MaxSubscribersPerAddress < -1:
		return fmt.Errorf("new hub: Config.MaxSubscribersPerAddress %d is invalid: give a positive cap, 0 for the default or -1 for none", c.MaxSubscribersPerAddress)
	}
	for _, list := range []struct {
		name    string
		origins []string
	}{{"CORS origin", c.CORSOrigins}, {"publish origin", c.PublishOrigins}} {
		for _, o := range list.origins {
			if err := checkOrigin(o); err != nil {
				return fmt.Errorf("new hub: %s %q: %w", list.name, o, err)
			}
		}
	}
	return nil
}

// ServeHTTP serves GET and POST /.well-known/mercure and the subscriptions
// API below it; mount it at /.well-known/mercure and below.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.cors.apply(w, r)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.cors.preflight(w, r)
		return
	}
	if err := h.route(w, r); err != nil {
		h.serveError(w, r, err)
	}
}

// route calls the handler of r's route; a handler returns its refusal
// (an *Error) or an internal error, which ServeHTTP writes, and writes
// nothing itself then.
func (h *Hub) route(w http.ResponseWriter, r *http.Request) error {
	if n := strings.Count(r.URL.RawQuery, "&") + 1; n > MaxQueryParams {
		return refusal(http.StatusBadRequest, "the query has %d parameters, too many: the limit is %d (a subscription takes at most %d topic parameters)", n, MaxQueryParams, MaxSubscriptionTopics)
	}
	rest := hubPath(r)
	switch {
	case rest == "" || rest == "/":
		switch r.Method {
		case http.MethodGet:
			return h.subscribe(w, r)
		case http.MethodPost:
			return h.publish(w, r)
		}
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		return refusal(http.StatusMethodNotAllowed, "method %s is not allowed: subscribe with GET, publish with POST", r.Method)
	case rest == "/subscriptions" || strings.HasPrefix(rest, "/subscriptions/"):
		return h.subscriptionsAPI(w, r, strings.TrimPrefix(rest, "/subscriptions"))
	}
	return refusal(http.StatusNotFound, "%s is not a hub endpoint: the hub is /.well-known/mercure, its subscriptions API /.well-known/mercure/subscriptions", r.URL.Path)
}

// wellKnown is the hub's path; every route is below it.
const wellKnown = "/.well-known/mercure"

// hubPath returns the escaped request path after /.well-known/mercure, so
// that the hub works wherever it is mounted (under a prefix too).
func hubPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if i := strings.Index(p, wellKnown); i >= 0 {
		return p[i+len(wellKnown):]
	}
	return p
}

// Publish stores u in the history, which generates its ID when empty and
// refuses an update without a topic or with an ID it holds already
// (ErrDuplicateID); the Transport then delivers it to the subscribers it
// may reach, in Seq order with every other stored update. Publish returns
// once they all have it queued (or after publishWait, or when ctx is
// done or the hub shut down: the update is stored either way).
func (h *Hub) Publish(ctx context.Context, u Update) (Update, error) {
	stored, err := h.cfg.History.AppendUpdate(ctx, u)
	if err != nil {
		return Update{}, fmt.Errorf("publish: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, publishWait)
	defer cancel()
	stop := context.AfterFunc(h.ctx, cancel)
	defer stop()
	h.watermark.wait(wctx, stored.Seq)
	return stored, nil
}

// tooSlowReason is why a subscriber whose queue was full was disconnected.
const tooSlowReason = "too slow: its queue of updates was full"

// tooSlow disconnects s, whose queue is full; it reconnects and replays
// what it missed from the history, and the others never wait for it.
func (h *Hub) tooSlow(s *subscriber) {
	if s.kill(tooSlowReason) {
		h.stats.slow.Add(1)
	}
}

// counted records one dispatch that reached n subscribers.
func (h *Hub) counted(n int) {
	h.stats.dispatched.Add(1)
	h.stats.delivered.Add(uint64(n))
}

// SubscriberCount returns the number of open streams.
func (h *Hub) SubscriberCount() int { return h.reg.count() }

// Shutdown ends every open stream at once, so that http.Server.Shutdown
// need not wait for idle subscribers; register it with RegisterOnShutdown.
// New subscriptions are refused with 503 afterwards; publishing still
// works. It also stops the retention goroutine and waits for it.
func (h *Hub) Shutdown() {
	h.closeOnce.Do(func() {
		h.cancel()
		<-h.dispatched // no fan-out after the streams are closed
		h.stopListening()
		h.reg.close("the hub is shutting down")
		h.conns.close()
	})
	<-h.retained
}
