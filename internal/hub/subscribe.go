package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// subscribe serves GET /.well-known/mercure: it checks the topic
// selectors and the token, registers the subscriber, replays the history
// it asked for, then streams live updates until the client leaves, the
// token expires, the subscriber falls behind or the hub shuts down.
//
// Resuming (Last-Event-ID header, else lastEventID query parameter):
//   - a known id: every later update the subscriber may see, then live
//     ones; the Last-Event-ID response header is that id;
//   - "earliest": the whole retained history; the header is "earliest";
//   - an id the history does not hold (pruned, never stored, or from
//     another hub): the whole retained history that the subscriber may
//     see, so that nothing still retained is missed; the header is
//     "earliest" (the spec's value for an id that does not exist), which
//     tells the client it may have lost updates and should re-fetch;
//   - the id of a recent subscription event (not stored): the stored
//     updates dispatched after it; the header is that id;
//   - none: live updates only; the header is the id of the newest update
//     dispatched before the subscriber registered that it may receive,
//     else of the newest public one ("earliest" if none is known): never
//     a private update it may not see (see resumePoint), and never after
//     the first update it will get, so resuming from it misses nothing.
//
// The subscriber is registered before the history is read, so updates
// published meanwhile wait in its queue; those the replay already sent
// (Seq not above the last replayed one) are dropped: no gap, no duplicate.
func (h *Hub) subscribe(w http.ResponseWriter, r *http.Request) error {
	leave, err := h.addresses.acquire(r)
	if err != nil {
		return err
	}
	// adopted is set once the hijacked path has the stream: the deferred
	// steps below are then its cleanup's, when the stream ends.
	adopted := false
	defer func() {
		if !adopted {
			leave()
		}
	}()
	q := r.URL.Query()
	selectors, release, err := h.parseTopicSelectors(q["topic"])
	if err != nil {
		return err
	}
	defer func() {
		if !adopted {
			release()
		}
	}()
	claims, err := h.authenticate(r, h.cfg.SubscriberKey, &h.subscribeAuth)
	if err != nil {
		return err
	}
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = q.Get("lastEventID")
	}
	endReplay := func() {}
	if lastID != "" && !h.recent.serves(lastID, claims) { // a replay from the ring costs no turn
		if endReplay, err = h.replayTurn(r); err != nil {
			return err
		}
		defer endReplay() // on an early return; a no-op after the replay's
	}
	s := newSubscriber(NewID(), selectors, claims, h.cfg.QueueSize)
	rc := http.NewResponseController(w)
	// abort is net/http's until the hijacked path has the stream, then
	// the hijacked path's; it is swapped, not wrapped, so that a hijacked
	// stream keeps no reference to net/http's response and its buffers.
	var abort atomic.Pointer[func()]
	httpAbort := func() { rc.SetWriteDeadline(time.Now()) }
	abort.Store(&httpAbort)
	s.abort = func() { (*abort.Load())() }
	last, ok := h.reg.add(s)
	if !ok {
		return refusal(http.StatusServiceUnavailable, "the hub is shutting down: reconnect in a moment")
	}
	h.announce(s, true)
	defer func() {
		if !adopted {
			h.reg.remove(s)
			h.announce(s, false)
		}
	}()
	ctx := r.Context()
	debug := h.log.Enabled(ctx, slog.LevelDebug) // the arguments allocate even when disabled
	if debug {
		h.log.DebugContext(ctx, "hub: subscribed", "subscriber_id", s.id, "topics", q["topic"], "last_event_id", lastID)
	}
	sw := &sseWriter{w: w, rc: rc, timeout: h.cfg.WriteTimeout}
	boundary, err := h.replay(ctx, s, sw, lastID, last)
	endReplay()
	if err != nil && !sw.started {
		return fmt.Errorf("replay the history to subscriber %s from %q: %w", s.id, lastID, err)
	}
	var reason string
	if err != nil {
		reason = "the stream ended during the replay: " + err.Error()
	} else {
		ended := func(reason string) {
			h.reg.remove(s)
			h.announce(s, false)
			release()
			leave()
			h.logEnded(h.ctx, s, debug, reason) // not ctx: it would keep the request
		}
		if adopted = h.conns.adopt(w, r, s, boundary, func(f func()) { abort.Store(&f) }, ended); adopted {
			return nil
		}
		reason = h.stream(ctx, s, sw, boundary)
	}
	h.logEnded(ctx, s, debug, reason)
	return nil // the stream ran: how it ended is no error of the request
}

// logEnded counts (see counters.ended) and logs why s's stream ended: at
// WARN when it could not keep up, at DEBUG (if debug) otherwise.
func (h *Hub) logEnded(ctx context.Context, s *subscriber, debug bool, reason string) {
	h.stats.ended(s.killedFor(), reason)
	switch {
	case s.killedFor() == tooSlowReason:
		// worth an operator's eye: a client or its network cannot keep up
		h.log.WarnContext(ctx, "hub: disconnected a subscriber that could not keep up", "subscriber_id", s.id, "queue_size", h.cfg.QueueSize, "reason", reason)
	case debug:
		h.log.DebugContext(ctx, "hub: stream ended", "subscriber_id", s.id, "reason", reason)
	}
}

// parseTopicSelectors parses a subscription's topic parameters, sharing
// the compiled templates through the hub's cache, or returns what is wrong
// with them. release gives the templates back when the stream ends.
func (h *Hub) parseTopicSelectors(topics []string) (sels []Selector, release func(), err error) {
	if len(topics) == 0 {
		return nil, nil, refusal(http.StatusBadRequest, "missing topic: give at least one topic query parameter (a topic, a URI template, or \"*\")")
	}
	if len(topics) > MaxSubscriptionTopics {
		return nil, nil, refusal(http.StatusBadRequest, "a subscription has %d topic parameters: the limit is %d", len(topics), MaxSubscriptionTopics)
	}
	distinct := make([]string, 0, len(topics))
	var templates []string
	for _, t := range topics {
		if !validText(t) {
			return nil, nil, refusal(http.StatusBadRequest, "topic selector %+q must be valid UTF-8 without NUL bytes", truncate(t))
		}
		if slices.Contains(distinct, t) { // a repeated selector would be one more subscription event, not one more match
			continue
		}
		distinct = append(distinct, t)
		if t != "*" && strings.Contains(t, "{") {
			templates = append(templates, t)
		}
	}
	if len(templates) > h.cfg.MaxSubscriberTemplates {
		return nil, nil, refusal(http.StatusBadRequest, "a subscription has %d distinct URI template selectors: the limit is %d; subscribe to topics, or to fewer, broader templates", len(templates), h.cfg.MaxSubscriberTemplates)
	}
	shared, err := h.templates.acquire(templates)
	if err != nil {
		return nil, nil, err
	}
	release = noTemplates
	if len(templates) > 0 { // most subscriptions have none: no closure to hold for each
		release = func() { h.templates.release(templates) }
	}
	sels = make([]Selector, 0, len(distinct))
	for _, t := range distinct {
		if i := slices.Index(templates, t); i >= 0 {
			sels = append(sels, shared[i])
			continue
		}
		sel, err := ParseSelector(t)
		if err != nil {
			release()
			return nil, nil, refusal(http.StatusBadRequest, "topic parameter is not a valid topic selector: %v", err)
		}
		sels = append(sels, sel)
	}
	return sels, release, nil
}

// noTemplates releases the templates of a subscription that has none.
func noTemplates() {}

// subscribePolicy authenticates subscribers. No token is anonymous (if
// allowed); a bad token is an error even when anonymous subscribers are
// allowed, so that a client with an expired token learns it instead of
// silently missing private updates. A valid token without a mercure claim
// grants nothing private but is still honoured (and its exp ends the
// stream).
func subscribePolicy(anonymous bool) authPolicy {
	return authPolicy{
		anonymous:   anonymous,
		noToken:     "this hub needs a subscriber JWT: send it in an \"Authorization: Bearer\" header, the \"authorization\" query parameter or the " + CookieName + " cookie",
		noKeyStatus: http.StatusUnauthorized,
		noKey:       "this hub has no subscriber key, so it cannot verify the JWT sent: subscribe without a token",
	}
}

// replay starts the stream and sends the history lastID asks for (see
// subscribe). It returns the Seq of the last update it read, the boundary
// below which queued live updates are duplicates.
func (h *Hub) replay(ctx context.Context, s *subscriber, sw *sseWriter, lastID string, last lastUpdate) (int64, error) {
	if lastID == "" {
		header := last.id
		if header == "" {
			header = EarliestID
		}
		return 0, sw.start(header)
	}
	if boundary, ok, err := h.replayRecent(s, sw, lastID); ok {
		return boundary, err
	}
	h.stats.historyReplays.Add(1)
	from, header, boundary, err := h.resumePoint(ctx, s, lastID)
	if err != nil {
		return 0, err
	}
	started := time.Now()
	fn := func(u Update) error {
		if time.Since(started) > h.replayTimeout {
			return errReplayTooLong
		}
		if !sw.started {
			if err := sw.start(header); err != nil {
				return err
			}
		}
		boundary = max(boundary, u.Seq)
		if !s.wants(u) {
			return nil
		}
		return sw.write(encodeEvent(u))
	}
	topics := literalTopics(s.selectors)
	err = h.cfg.History.UpdatesAfter(ctx, from, topics, fn)
	if errors.Is(err, ErrUnknownEventID) && !sw.started { // pruned meanwhile
		header = EarliestID
		err = h.cfg.History.UpdatesAfter(ctx, EarliestID, topics, fn)
	}
	if err != nil {
		return 0, err
	}
	if !sw.started {
		return boundary, sw.start(header)
	}
	return boundary, sw.flush()
}

// errReplayTooLong ends a replay that held its turn for replayTimeout: the
// client resumes from the last update it got, and the turn goes to
// another meanwhile.
var errReplayTooLong = errors.New("the replay took longer than " + replayTimeout.String() + ": resume from the last update received")

// replayRecent serves the replay from the ring of recent updates, already
// encoded, when it holds lastID and s may receive that update (see
// resumePoint for why it must); ok is false otherwise, and nothing was
// written.
func (h *Hub) replayRecent(s *subscriber, sw *sseWriter, lastID string) (boundary int64, ok bool, err error) {
	from, rest, ok := h.recent.after(lastID)
	if !ok || !s.mayReceive(from.private, from.topics) {
		return 0, false, nil
	}
	h.stats.ringReplays.Add(1) // before the stream starts: a client that sees it started sees it counted
	if err := sw.start(lastID); err != nil {
		return 0, true, err
	}
	boundary = from.seq
	for _, e := range rest {
		boundary = e.seq
		if !matchesAny(s.selectors, e.topics...) || !s.mayReceive(e.private, e.topics) {
			continue
		}
		if err := sw.write(e.ev.data); err != nil {
			return 0, true, err
		}
	}
	return boundary, true, sw.flush()
}

// resumePoint returns the stored update after which s's replay starts
// (EarliestID: the whole history) and the Last-Event-ID header to send.
//
// An id counts as known only when it is the id of an update s may
// receive: a stored update that is public or that s's token allows, or a
// recent subscription event that s's token allows. Any other id (a
// private update s may not see, an id never stored or pruned, or bytes
// that are no id at all) is unknown, and gets the same answer whatever
// it is: the whole retained history s may see, and the header "earliest".
// Otherwise an anonymous subscriber could tell a private update's id
// from a wrong guess, by the header echoing it or by where the replay
// starts. Ids that are not valid UTF-8, hold a NUL or are longer than
// any id the hub stores never reach the store (PostgreSQL refuses them
// with an error; SQLite would look them up).
//
// fromSeq is the Seq of the stored update the replay starts after, when
// known (0 otherwise): a live update at or below it is one the subscriber
// has had already, even when the replay finds nothing after it — as when
// this hub hears of that very update from another instance only after the
// subscriber resumed from it.
func (h *Hub) resumePoint(ctx context.Context, s *subscriber, lastID string) (from, header string, fromSeq int64, err error) {
	if lastID == EarliestID {
		return EarliestID, EarliestID, 0, nil
	}
	if len(lastID) > MaxIDLength || !validText(lastID) {
		return EarliestID, EarliestID, 0, nil
	}
	if at, ok := h.volatile.lookup(lastID); ok {
		if !s.mayReceive(true, []string{at.topic}) {
			return EarliestID, EarliestID, 0, nil
		}
		// a subscription event: resume from the stored update before it
		if at.id == "" {
			return EarliestID, lastID, 0, nil
		}
		return at.id, lastID, 0, nil
	}
	u, err := h.cfg.History.UpdateByID(ctx, lastID)
	switch {
	case errors.Is(err, ErrUnknownEventID):
		return EarliestID, EarliestID, 0, nil
	case err != nil:
		return "", "", 0, err
	case !s.mayReceive(u.Private, u.Topics):
		return EarliestID, EarliestID, 0, nil
	}
	return lastID, lastID, u.Seq, nil
}

// replayTurn waits, at most replayWait, for one of the Config.MaxReplays
// replays to be free and takes it; end gives it back (and does nothing
// when called again). The error is a 503 with Retry-After, or a 429 when
// r's address has its share of the turns already.
func (h *Hub) replayTurn(r *http.Request) (end func(), err error) {
	leave, err := h.addressReplays.acquire(r)
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(replayWait)
	defer t.Stop()
	select {
	case h.replays <- struct{}{}:
	case <-t.C:
		leave()
		return nil, busy(http.StatusServiceUnavailable, replayRetryAfter,
			"the hub is replaying its history to %d subscribers already, its limit: retry in a moment", cap(h.replays))
	case <-r.Context().Done():
		leave()
		return nil, busy(http.StatusServiceUnavailable, replayRetryAfter, "the client left while waiting for its replay")
	}
	ended := false
	return func() {
		if !ended {
			ended = true
			<-h.replays
			leave()
		}
	}, nil
}

// literalTopics returns the topics of sels when every one is a plain
// topic, so that the store filters the replay by topic; nil when one is
// "*" or a template (the hub filters then).
func literalTopics(sels []Selector) []string {
	topics := make([]string, 0, len(sels))
	for _, sel := range sels {
		t, ok := sel.Literal()
		if !ok {
			return nil
		}
		topics = append(topics, t)
	}
	return topics
}
