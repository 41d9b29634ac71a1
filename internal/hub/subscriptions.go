package hub

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// SubscriptionsPath is the path of the active subscriptions API and the
// prefix of subscription topics.
const SubscriptionsPath = wellKnown + "/subscriptions"

// jsonLDContext is the spec's fixed JSON-LD context.
const jsonLDContext = "https://mercure.rocks/"

// subscriptionDoc is the JSON-LD document of one subscription, in
// subscription events and in the API.
type subscriptionDoc struct {
	Context     string `json:"@context,omitempty"`
	ID          string `json:"id"`
	Type        string `json:"type"`
	Topic       string `json:"topic"`
	Subscriber  string `json:"subscriber"`
	Active      bool   `json:"active"`
	Payload     any    `json:"payload,omitempty"`
	LastEventID string `json:"lastEventID,omitempty"`
}

// subscriptionsDoc is the JSON-LD document of a collection of them.
type subscriptionsDoc struct {
	Context       string            `json:"@context"`
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	LastEventID   string            `json:"lastEventID"`
	Subscriptions []subscriptionDoc `json:"subscriptions"`
}

// SubscriptionTopic returns the topic of the subscription events of
// subscriber's subscription to selector: the spec's
// /.well-known/mercure/subscriptions/{topic}/{subscriber}, each variable
// percent-encoded as RFC 6570 expands it.
func SubscriptionTopic(selector, subscriber string) string {
	return SubscriptionsPath + "/" + escapeVar(selector) + "/" + escapeVar(subscriber)
}

// escapeVar percent-encodes every byte but RFC 3986's unreserved
// characters, as an RFC 6570 simple expansion does.
func escapeVar(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func newSubscriptionDoc(s *subscriber, sel Selector, active bool) subscriptionDoc {
	return subscriptionDoc{
		ID:         SubscriptionTopic(sel.String(), s.id),
		Type:       "Subscription",
		Topic:      sel.String(),
		Subscriber: s.id,
		Active:     active,
		Payload:    s.claims.Payload,
	}
}

// announce dispatches the subscription events of s (one per selector)
// when Config.Subscriptions is on: private updates, as the spec requires.
// An event that no subscriber would receive is neither encoded nor
// dispatched (nor counted in Stats).
//
// They are dispatched locally and NOT stored in the history: fans
// connecting by the thousand must not mean thousands of INSERTs, and a
// subscription's state is what the API answers, not something to replay.
// Their ids are not in the history: the hub remembers the last
// volatileIDsKept of those it delivered, each with the newest stored
// update dispatched before it, so that a client resuming from one gets
// the stored updates after that point. Subscription events it missed
// meanwhile are gone: a client keeping a list of subscriptions re-reads
// the API after reconnecting (as the spec suggests, with its lastEventID).
func (h *Hub) announce(s *subscriber, active bool) {
	if !h.cfg.Subscriptions {
		return
	}
	if h.ctx.Err() != nil {
		return // shutting down: everyone is leaving, nobody to tell
	}
	for _, sel := range s.selectors {
		// Usually nobody watches subscriptions: ask the private index
		// before encoding a document that nobody would receive.
		if !h.reg.privateReceiver(SubscriptionTopic(sel.String(), s.id)) {
			continue
		}
		doc := newSubscriptionDoc(s, sel, active)
		doc.Context = jsonLDContext
		data, err := json.Marshal(doc)
		if err != nil {
			h.log.Error("hub: encode subscription event", "subscriber_id", s.id, "err", err)
			continue
		}
		u := Update{ID: NewID(), Topics: []string{doc.ID}, Data: string(data), Private: true}
		n, last := h.reg.dispatch(&u, newEvent(u))
		h.counted(n)
		if n > 0 {
			h.volatile.add(u.ID, volatileAt{lastUpdate: last, topic: doc.ID})
		}
	}
}

// subscriptionsAPI serves GET /.well-known/mercure/subscriptions,
// …/subscriptions/{topic} and …/subscriptions/{topic}/{subscriber}. rest
// is the escaped path after /subscriptions. The client needs a subscriber
// JWT whose mercure.subscribe matches the requested URL (spec).
func (h *Hub) subscriptionsAPI(w http.ResponseWriter, r *http.Request, rest string) error {
	if !h.cfg.Subscriptions {
		return refusal(http.StatusNotFound, "the active subscriptions API is disabled on this hub")
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, OPTIONS")
		return refusal(http.StatusMethodNotAllowed, "method %s is not allowed: the subscriptions API answers GET", r.Method)
	}
	var parts []string
	if rest = strings.TrimPrefix(rest, "/"); rest != "" {
		parts = strings.Split(rest, "/")
	}
	if len(parts) > 2 {
		return refusal(http.StatusNotFound, "%s is not a subscriptions API URL: use %s[/{topic}[/{subscriber}]] with each part percent-encoded", r.URL.Path, SubscriptionsPath)
	}
	self := SubscriptionsPath
	for i, p := range parts {
		v, err := url.PathUnescape(p)
		if err != nil || v == "" {
			return refusal(http.StatusBadRequest, "path segment %q is not a valid percent-encoded topic selector or subscriber id", p)
		}
		parts[i] = v
		self += "/" + escapeVar(v)
	}
	claims, err := h.authorizeAPI(r, self)
	if err != nil {
		return err
	}
	docs := h.subscriptions(parts)
	lastID := h.reg.lastDispatched(claims).id
	if lastID == "" {
		lastID = EarliestID
	}
	if len(parts) == 2 {
		if len(docs) == 0 {
			return refusal(http.StatusNotFound, "no active subscription of subscriber %q to topic selector %q", parts[1], parts[0])
		}
		doc := docs[0]
		doc.Context, doc.LastEventID = jsonLDContext, lastID
		return writeJSONLD(w, r, doc)
	}
	return writeJSONLD(w, r, subscriptionsDoc{Context: jsonLDContext, ID: self, Type: "Subscriptions", LastEventID: lastID, Subscriptions: docs})
}

// authorizeAPI returns the claims of the request's subscriber JWT, which
// must have a mercure.subscribe matching self (or the URL as requested),
// or the refusal.
func (h *Hub) authorizeAPI(r *http.Request, self string) (Claims, error) {
	need := "the subscriptions API needs a subscriber JWT whose mercure.subscribe matches " + self
	claims, err := h.authenticate(r, h.cfg.SubscriberKey, &authPolicy{noToken: need, noKeyStatus: http.StatusUnauthorized, noKey: need})
	if err != nil {
		return Claims{}, err
	}
	if !claims.Subscribes(self) && !claims.Subscribes(r.URL.EscapedPath()) {
		return Claims{}, refusal(http.StatusForbidden, "the token's mercure.subscribe does not match %s, so it may not read these subscriptions", self)
	}
	return claims, nil
}

// subscriptions returns the documents of the active subscriptions, all or
// those of filter[0] (a selector) and filter[1] (a subscriber id), sorted
// by id.
func (h *Hub) subscriptions(filter []string) []subscriptionDoc {
	var sel, id string
	switch len(filter) {
	case 2:
		sel, id = filter[0], filter[1]
	case 1:
		sel = filter[0]
	}
	docs := []subscriptionDoc{}
	h.reg.subscriptions(sel, id, func(s *subscriber, sel Selector) {
		docs = append(docs, newSubscriptionDoc(s, sel, true))
	})
	slices.SortFunc(docs, func(a, b subscriptionDoc) int { return cmp.Compare(a.ID, b.ID) })
	return docs
}

// writeJSONLD answers with v as application/ld+json, with an ETag of the
// body, and 304 when the client already has it: the list changes with
// every connection, so clients revalidate (must-revalidate) and cheaply.
func writeJSONLD(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode the subscriptions: %w", err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, must-revalidate")
	h.Set("Link", "<"+wellKnown+`>; rel="mercure"`)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/ld+json")
	w.Write(body)
	return nil
}

// etagMatches reports whether an If-None-Match value lists etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// volatileIDsKept is how many ids of delivered subscription events the hub
// remembers for clients that resume from one.
const volatileIDsKept = 4096

// volatileIDs remembers the ids of recent events that are not stored and
// the newest stored update at the time of each, in a bounded ring.
type volatileIDs struct {
	mu   sync.Mutex
	at   map[string]volatileAt
	ring []string
	next int
}

// volatileAt is where an event that is not stored sits in the history,
// and its topic (private: only those it was for may resume from it).
type volatileAt struct {
	lastUpdate
	topic string
}

func newVolatileIDs(n int) *volatileIDs {
	return &volatileIDs{at: make(map[string]volatileAt, n), ring: make([]string, n)}
}

func (v *volatileIDs) add(id string, last volatileAt) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.at, v.ring[v.next])
	v.ring[v.next] = id
	v.at[id] = last
	v.next = (v.next + 1) % len(v.ring)
}

// lookup returns the newest stored update when id was dispatched.
func (v *volatileIDs) lookup(id string) (volatileAt, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	last, ok := v.at[id]
	return last, ok
}
