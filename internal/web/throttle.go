package web

import (
	"container/list"
	"sync"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// Login throttling: after maxLoginFailures failed logins within
// loginWindow for one account, further attempts at it are refused until
// the oldest of those failures is loginWindow old. Five guesses per
// quarter hour make an online guess of any real password hopeless, and a
// user who mistyped has to wait a few minutes at most. One address gets
// more (maxAddressFailures), spread over any accounts: a club house or a
// stadium's Wi-Fi puts many scorers behind one address, and one of them
// mistyping must not lock the others out; each account still gets five.
const (
	maxLoginFailures   = 5
	maxAddressFailures = 20
	loginWindow        = 15 * time.Minute
	// maxThrottleKeys bounds the accounts, and separately the addresses,
	// that the throttle remembers: 10,000 keys of a few hundred bytes each
	// is a few MB at most, however many addresses an attacker has.
	maxThrottleKeys = 10_000
)

// throttle counts recent failures per key (a normalized email, or a
// client address) in memory. It is per process: behind a load balancer
// each instance counts its own, which multiplies the allowance by the
// number of instances but keeps logins free of a database write per
// attempt. Memory is bounded: past max keys, the key whose last attempt is
// the oldest is forgotten. An attacker who wants an account's counter
// forgotten must fill the table with max other keys, and each address
// they use is throttled too.
type throttle struct {
	limit  int
	window time.Duration
	max    int

	mu    sync.Mutex
	keys  map[string]*list.Element // of *throttled
	order *list.List               // least recently attempted first
}

// throttled is one key's recent failures and the attempts in flight.
type throttled struct {
	key      string
	failures []time.Time // at most limit, oldest first
	pending  int         // attempts begun and not yet ended
}

func newThrottle(limit int, window time.Duration, max int) *throttle {
	return &throttle{limit: limit, window: window, max: max, keys: make(map[string]*list.Element), order: list.New()}
}

// begin starts an attempt for key at now. It returns how long until the key
// may try again when it may not (ok false). An attempt begun counts
// against the limit until end is called, so that concurrent attempts
// cannot slip past it together while their passwords are being checked.
func (t *throttle) begin(key string, now time.Time) (wait time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(key)
	e.prune(now, t.window)
	if len(e.failures)+e.pending >= t.limit {
		if len(e.failures) < t.limit {
			// At the limit only with attempts in flight: they end
			// within a second, and may succeed.
			return time.Second, false
		}
		// The key may try again when its oldest failure leaves the
		// window.
		return e.failures[0].Add(t.window).Sub(now), false
	}
	e.pending++
	return 0, true
}

// end ends an attempt begun for key: a failure is counted at now; a
// success forgets the key's failures when reset is set.
func (t *throttle) end(key string, now time.Time, failed, reset bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, found := t.keys[key]
	if !found {
		// Forgotten to make room while the attempt ran: count it afresh.
		if !failed {
			return
		}
		el = t.add(key)
	}
	e := el.Value.(*throttled)
	if e.pending > 0 {
		e.pending--
	}
	switch {
	case failed:
		e.prune(now, t.window)
		if len(e.failures) == t.limit {
			e.failures = e.failures[1:]
		}
		e.failures = append(e.failures, now)
	case reset:
		e.failures = nil
	}
	if len(e.failures) == 0 && e.pending == 0 {
		t.order.Remove(el)
		delete(t.keys, key)
	}
}

// entry returns key's record, made if needed, as the most recent.
func (t *throttle) entry(key string) *throttled {
	if el, ok := t.keys[key]; ok {
		t.order.MoveToBack(el)
		return el.Value.(*throttled)
	}
	return t.add(key).Value.(*throttled)
}

// add records a new key, forgetting the least recent ones past max.
func (t *throttle) add(key string) *list.Element {
	for t.order.Len() >= t.max {
		oldest := t.order.Front()
		t.order.Remove(oldest)
		delete(t.keys, oldest.Value.(*throttled).key)
	}
	el := t.order.PushBack(&throttled{key: key})
	t.keys[key] = el
	return el
}

// size is how many keys are remembered.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}

// prune drops the failures older than window.
func (e *throttled) prune(now time.Time, window time.Duration) {
	i := 0
	for i < len(e.failures) && !now.Before(e.failures[i].Add(window)) {
		i++
	}
	e.failures = e.failures[i:]
}

// addressKey is the key a login is throttled by, per address: the client
// address of r.RemoteAddr (hub.ClientAddress: the peer's IP, an IPv6
// address cut to its /64; X-Forwarded-For is not read, since trusting it
// would let each attempt claim a new address). Behind a reverse proxy
// every client then shares the proxy's address, and its allowance
// (maxAddressFailures); the per-account limit is the same either way.
func addressKey(remoteAddr string) string { return hub.ClientAddress(remoteAddr) }

// loginThrottle slows password guessing: per account (the normalized
// email, whether or not such a user exists, so that a refusal tells
// nothing of who has an account) and per client address.
type loginThrottle struct {
	accounts, addresses *throttle
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{
		accounts:  newThrottle(maxLoginFailures, loginWindow, maxThrottleKeys),
		addresses: newThrottle(maxAddressFailures, loginWindow, maxThrottleKeys),
	}
}

// loginOutcome is how a throttled password check ended.
type loginOutcome int

const (
	loginSucceeded loginOutcome = iota
	loginFailed
	// loginAborted is a check that did not get to the password (the
	// database failed): it counts neither way.
	loginAborted
)

// begin starts a password check for email from addr. It returns
// ERATELIMITED with Retry-After, saying when to retry, when either has
// failed too often; otherwise end must be called with the outcome.
func (l *loginThrottle) begin(email, addr string) (end func(loginOutcome), err error) {
	now := time.Now()
	if wait, ok := l.accounts.begin(email, now); !ok {
		return nil, tooManyLogins("for this account", now, wait)
	}
	if wait, ok := l.addresses.begin(addr, now); !ok {
		l.accounts.end(email, now, false, false)
		return nil, tooManyLogins("from your address", now, wait)
	}
	return func(o loginOutcome) {
		now := time.Now()
		// A success forgets the account's failures, so that its owner is
		// not kept waiting by their own typos; not the address's, or one
		// account an attacker holds would reset their guesses at others.
		l.accounts.end(email, now, o == loginFailed, o == loginSucceeded)
		l.addresses.end(addr, now, o == loginFailed, false)
	}, nil
}

// tooManyLogins is the refusal of a throttled login: 429, Retry-After, and
// when to retry, as a delay and an instant.
func tooManyLogins(whose string, now time.Time, wait time.Duration) error {
	wait = (wait + time.Second - 1).Truncate(time.Second)
	return retryAfter(match.Errorf(match.ERATELIMITED,
		"too many failed logins %s; try again in %s (at %s)", whose, wait, now.Add(wait).UTC().Format(time.RFC3339)), wait)
}
