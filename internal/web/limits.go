package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// inFlightLimiter bounds the API requests served at once, in all and per
// client address, and the time a request body may take to arrive. Each
// request holds at most one body (maxJSONBody, or maxCSVBody for an
// import) or one page of results, so these bound what the API can be made
// to hold in memory; the per-address cap keeps one client from taking
// every slot.
type inFlightLimiter struct {
	all         chan struct{}
	perAddress  int
	bodyTimeout time.Duration
	mu          sync.Mutex
	byAddress   map[string]int // at most cap(all) entries
}

func newInFlightLimiter(total, perAddress int, bodyTimeout time.Duration) *inFlightLimiter {
	if total <= 0 {
		total = DefaultMaxAPIInFlight
	}
	if perAddress <= 0 {
		perAddress = DefaultMaxAPIInFlightPerAddress
	}
	if bodyTimeout <= 0 {
		bodyTimeout = DefaultBodyTimeout
	}
	return &inFlightLimiter{all: make(chan struct{}, total), perAddress: perAddress,
		bodyTimeout: bodyTimeout, byAddress: map[string]int{}}
}

// acquire takes a slot for addr, or says why not: EUNAVAILABLE when every
// slot is taken, ERATELIMITED when addr has its share.
func (l *inFlightLimiter) acquire(addr string) (release func(), err error) {
	select {
	case l.all <- struct{}{}:
	default:
		return nil, retryAfter(match.Errorf(match.EUNAVAILABLE,
			"the API is serving %d requests at once, its most; retry in a second", cap(l.all)), time.Second)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddress[addr] >= l.perAddress {
		<-l.all
		return nil, retryAfter(match.Errorf(match.ERATELIMITED,
			"your address has %d API requests in flight, the most one client may; wait for them to finish", l.perAddress), time.Second)
	}
	l.byAddress[addr]++
	return func() {
		l.mu.Lock()
		if l.byAddress[addr]--; l.byAddress[addr] == 0 {
			delete(l.byAddress, addr)
		}
		l.mu.Unlock()
		<-l.all
	}, nil
}

// limitInFlight serves an API request only within the limiter's bounds,
// with a deadline on reading its body.
func (s *server) limitInFlight(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		release, err := s.limiter.acquire(clientAddress(r))
		if err != nil {
			return err
		}
		defer release()
		if r.ContentLength != 0 {
			// Best effort: HTTP/2 streams may not support it.
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.limiter.bodyTimeout))
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// clientAddress is the client r counts as (hub.ClientAddress).
func clientAddress(r *http.Request) string { return hub.ClientAddress(r.RemoteAddr) }
