package hub

import (
	"sync"
	"sync/atomic"
)

// subscriber is one open stream on the delivery side: what it selects, what
// its token lets it see, and the queue its writer drains. The protocol layer
// builds it; the registry and the writer only move bytes.
type subscriber struct {
	id        string // urn:uuid:…, the {subscriber} of subscription topics
	selectors []Selector
	// claims are the token's; all anonymous subscribers share one zero
	// Claims, which tens of thousands of fans need not hold each.
	claims    *Claims
	queue     queue
	limit     int           // how many events may wait in queue (Config.QueueSize)
	done      chan struct{} // closed by kill
	closeOnce sync.Once
	killed    atomic.Bool // set by kill before done is closed: a cheaper test than done
	reason    string      // why done was closed; set before killed
	// abort unblocks a write in progress (it sets a past write deadline),
	// so that a subscriber stuck on a full socket leaves at once.
	abort func()
	// wake, when set, is called (under registry.mu) after an update is
	// queued: the hijacked path schedules a writer, the net/http path
	// signals its goroutine. Set under registry.mu.
	wake func()
	// mark is the generation of the last dispatch that considered this
	// subscriber, so that one matched by several selectors gets an update
	// once. Guarded by registry.mu.
	mark uint64
}

func newSubscriber(id string, selectors []Selector, claims Claims, queueSize int) *subscriber {
	return &subscriber{
		id:        id,
		selectors: selectors,
		claims:    claimsOf(claims),
		limit:     queueSize,
		done:      make(chan struct{}),
		abort:     func() {},
	}
}

// noClaims are the claims of every subscriber without a token.
var noClaims Claims

// claimsOf returns c, or noClaims when c grants nothing and has no
// expiry.
func claimsOf(c Claims) *Claims {
	if len(c.Publish) == 0 && len(c.Subscribe) == 0 && c.Payload == nil && c.ExpiresAt.IsZero() {
		return &noClaims
	}
	return &c
}

// kill ends the subscriber's stream and reports whether this was the
// first kill: the first reason wins.
func (s *subscriber) kill(reason string) (first bool) {
	s.closeOnce.Do(func() {
		first = true
		s.reason = reason
		s.killed.Store(true)
		close(s.done)
		s.abort()
	})
	return first
}

// killedFor returns why the subscriber was killed, or "" if it was not.
func (s *subscriber) killedFor() string {
	if !s.killed.Load() {
		return ""
	}
	return s.reason // written before killed
}

// mayReceive reports whether the subscriber's token lets it see an update
// with topics: always for a public one; for a private one, one of its
// topics (canonical or alternate) must match the token's mercure.subscribe.
func (s *subscriber) mayReceive(private bool, topics []string) bool {
	return s.claims.mayReceive(private, topics)
}

// mayReceive reports whether a subscriber with claims may see an update
// with topics (see subscriber.mayReceive). A pointer receiver: a fan-out
// asks it of every subscriber, and a copy of the claims each time showed
// in its profile.
func (c *Claims) mayReceive(private bool, topics []string) bool {
	return !private || (len(c.Subscribe) > 0 && c.CanSubscribe(topics))
}

// wants reports whether u goes to the subscriber. Dispatch does not need
// it (the index answers); replay does.
func (s *subscriber) wants(u Update) bool {
	return matchesAny(s.selectors, u.Topics...) && s.mayReceive(u.Private, u.Topics)
}

// lastUpdate is a position in the history: a stored update's id and seq.
type lastUpdate struct {
	id  string
	seq int64
}

// newest is the newest stored update the hub has dispatched, and the
// newest public one, so that a subscriber is told of the newest one it
// may see and never of a private update it may not (see lastFor).
type newest struct {
	last    lastUpdate
	private bool
	topics  []string
	// public is the newest public update; zero when unknown (after a
	// restart whose newest stored updates, those New reads, are all
	// private).
	public lastUpdate
}

func newNewest(u Update) newest {
	n := newest{last: lastUpdate{id: u.ID, seq: u.Seq}, private: u.Private, topics: u.Topics}
	if !u.Private {
		n.public = n.last
	}
	return n
}

// lastFor returns the newest dispatched update that a subscriber with
// claims may receive, or, when that is not the newest update, the newest
// public one: every update after it is one the subscriber may resume
// from, and the id tells it nothing of private updates. Zero when there
// is none, or none known (after a restart on a private update).
func (n *newest) lastFor(claims Claims) lastUpdate {
	if !n.private || len(claims.Subscribe) > 0 && claims.CanSubscribe(n.topics) {
		return n.last
	}
	return n.public
}

// registry indexes the open subscribers by their selectors. An update finds
// its subscribers by looking its topics up in the literal index and by
// matching it against each distinct pattern, never by visiting every
// subscriber: an update nobody selects costs a few map lookups, however
// many subscribers there are. A second index holds only the subscribers
// whose token has a mercure.subscribe claim, the only ones that may get a
// private update: the subscription events sent on every connection never
// visit anonymous fans, even those subscribed to "*".
//
// One mutex guards it all; dispatch holds it while it enqueues (a
// non-blocking push per subscriber), which serializes dispatches so that
// subscribers see updates in the order the hub dispatched them, and makes
// "registered before or after an update" exact.
type registry struct {
	mu      sync.Mutex
	all     index
	private index
	byID    map[string]*subscriber
	gen     uint64
	newest  newest
	closed  bool
	// onSlow is called (under mu) for a subscriber whose queue was full.
	onSlow func(*subscriber)
}

func newRegistry(last newest) *registry {
	return &registry{
		all:     newIndex(),
		private: newIndex(),
		byID:    make(map[string]*subscriber),
		newest:  last,
		onSlow:  func(*subscriber) {},
	}
}

// add registers s and returns the newest update dispatched before it
// that s may see (see newest.lastFor): s receives every update after it
// that it may see. ok is false once the registry is closed (the hub is
// shutting down).
func (r *registry) add(s *subscriber) (last lastUpdate, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return lastUpdate{}, false
	}
	r.byID[s.id] = s
	r.all.add(s)
	if len(s.claims.Subscribe) > 0 {
		r.private.add(s)
	}
	return r.newest.lastFor(*s.claims), true
}

// remove unregisters s; after it returns, no dispatch touches s.
func (r *registry) remove(s *subscriber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byID, s.id)
	r.all.remove(s)
	if len(s.claims.Subscribe) > 0 {
		r.private.remove(s)
	}
}

// dispatch enqueues ev, the encoding of u, for every subscriber that
// selects one of u's topics and may receive it, and returns how many it
// reached and the newest stored update dispatched so far (u itself if it
// is the newest). A subscriber whose queue is full is killed, never
// waited for.
func (r *registry) dispatch(u *Update, ev *event) (int, lastUpdate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u.Seq > r.newest.last.seq {
		public := r.newest.public
		r.newest = newNewest(*u)
		if u.Private {
			r.newest.public = public
		}
	}
	r.gen++
	x := &r.all
	if u.Private {
		x = &r.private
	}
	n := 0
	// visit does not keep fn, so the closure and what it captures stay
	// on the stack: no allocation per dispatch.
	x.visit(u.Topics, r.gen, func(s *subscriber) {
		if r.offer(s, u, ev) {
			n++
		}
	})
	return n, r.newest.last
}

// offer enqueues ev, the encoding of u, for s and reports whether it did,
// unless this dispatch already considered s (it has several matching
// selectors), s may not receive u, or s was killed (it stays registered
// until its handler returns).
func (r *registry) offer(s *subscriber, u *Update, ev *event) bool {
	if s.mark == r.gen {
		return false
	}
	s.mark = r.gen
	if !s.mayReceive(u.Private, u.Topics) {
		return false
	}
	if s.killed.Load() {
		return false // killed, and leaving: its writer no longer reads
	}
	ok, replaced := s.queue.push(ev, s.limit)
	if !ok {
		r.onSlow(s)
		return false
	}
	if s.wake != nil && !replaced {
		s.wake()
	}
	return true
}

// privateReceiver reports whether a subscriber would receive a private
// update on topic: one whose selectors match it and whose mercure.subscribe
// allows it. Only the private index is searched, and it stops at the first.
func (r *registry) privateReceiver(topic string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for s := range r.private.literal[topic] {
		if s.claims.Subscribes(topic) {
			return true
		}
	}
	r.gen++
	found := false
	r.private.matching([]string{topic}, r.gen, func(p *pattern) bool {
		for s := range p.subs {
			if s.claims.Subscribes(topic) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// lastDispatched returns the newest stored update dispatched so far that
// a client with claims may see (see newest.lastFor).
func (r *registry) lastDispatched(claims Claims) lastUpdate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.newest.lastFor(claims)
}

// count returns the number of open subscribers.
func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// close refuses new subscribers and kills the open ones.
func (r *registry) close(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for _, s := range r.byID {
		s.kill(reason)
	}
}

// subscriptions calls fn, under the lock, for each open subscription (a
// subscriber and one of its selectors): all of them when sel is "", those
// to selector sel otherwise, and only subscriber id's when id is not "".
// A selector or a subscriber is found through the indexes; only the whole
// collection visits every subscriber. fn must be quick and must not call
// back into the registry.
func (r *registry) subscriptions(sel, id string, fn func(*subscriber, Selector)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case id != "":
		if s := r.byID[id]; s != nil {
			s.subscription(sel, fn)
		}
	case sel != "":
		for s := range r.all.literal[sel] {
			s.subscription(sel, fn)
		}
		if p := r.all.patterns[sel]; p != nil {
			for s := range p.subs {
				fn(s, p.sel)
			}
		}
	default:
		for _, s := range r.byID {
			for _, x := range s.selectors {
				fn(s, x)
			}
		}
	}
}

// subscription calls fn with s's selector sel, if s has it.
func (s *subscriber) subscription(sel string, fn func(*subscriber, Selector)) {
	for _, x := range s.selectors {
		if x.String() == sel {
			fn(s, x)
			return
		}
	}
}
