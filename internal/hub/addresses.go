package hub

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// addressCounts counts what each client address holds (open
// subscriptions, replays running), so that one address cannot hold more
// than its share. An IPv6 address counts as its /64: one host usually has a whole
// /64 to pick from. Loopback and private addresses (RFC 1918, IPv6 ULA)
// are not counted: they are this machine or its network, where a reverse
// proxy in front of the hub (another container, a load balancer) or a
// load tool carries many clients on one address; the clients a cap is for
// come from the internet.
type addressCounts struct {
	mu  sync.Mutex
	max int // < 0: no cap
	n   map[string]int
	// refuse is the refusal of one more when an address holds n.
	refuse func(n int) error
}

func newAddressCounts(max int, refuse func(n int) error) *addressCounts {
	return &addressCounts{max: max, n: make(map[string]int), refuse: refuse}
}

// subscriptionsFull refuses one more subscription from an address.
func subscriptionsFull(n int) error {
	return busy(http.StatusTooManyRequests, addressRetryAfter,
		"your address has %d open subscriptions, the limit: close some (one connection can carry all of a page's topics)", n)
}

// replaysFull refuses one more replay of the history to an address.
func replaysFull(n int) error {
	return busy(http.StatusTooManyRequests, replayRetryAfter,
		"your address has %d replays of the history running, the limit: retry in a moment", n)
}

// addressRetryAfter is the Retry-After of a refusal for a busy address.
const addressRetryAfter = 10 * time.Second

// acquire counts one more from r's address and returns the function that
// uncounts it; the error is the refusal when the address holds its
// maximum already.
func (c *addressCounts) acquire(r *http.Request) (release func(), err error) {
	if c.max < 0 {
		return func() {}, nil
	}
	key, local := addressKey(r.RemoteAddr)
	if local {
		return func() {}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return nil, c.refuse(c.n[key])
	}
	c.n[key]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.n[key]--; c.n[key] <= 0 {
			delete(c.n, key)
		}
	}, nil
}

// addressKey is the address remoteAddr (host:port) counts under (see
// ClientAddress); local is true for loopback and private addresses, which
// are not counted.
func addressKey(remoteAddr string) (key string, local bool) {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil && (ip.Unmap().IsLoopback() || ip.Unmap().IsPrivate()) {
			return "", true
		}
	}
	return ClientAddress(remoteAddr), false
}

// ClientAddress is the client a request's remoteAddr (host:port, the peer
// of the connection) counts as for per-client limits: its IP, or its /64
// for IPv6, since one host commonly holds a whole /64 and could otherwise
// take a fresh address per request; remoteAddr itself when it is not an
// IP. Forwarding headers are never read: anyone can send them.
func ClientAddress(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}
