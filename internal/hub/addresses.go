package hub

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// addressCounts counts the open subscriptions of each client address, so
// that one address cannot hold more than Config.MaxSubscribersPerAddress
// of them. An IPv6 address counts as its /64: one host usually has a whole
// /64 to pick from. Loopback addresses are not counted: they are this
// machine, a reverse proxy in front of the hub or a load tool, whose
// connections carry many clients.
type addressCounts struct {
	mu  sync.Mutex
	max int // < 0: no cap
	n   map[string]int
}

func newAddressCounts(max int) *addressCounts {
	return &addressCounts{max: max, n: make(map[string]int)}
}

// addressRetryAfter is the Retry-After of a refusal for a busy address.
const addressRetryAfter = 10 * time.Second

// acquire counts one more subscription from r's address and returns the
// function that uncounts it; the error is a 429 *Error when the address
// holds its maximum already.
func (c *addressCounts) acquire(r *http.Request) (release func(), err error) {
	if c.max < 0 {
		return func() {}, nil
	}
	key, loopback := addressKey(r.RemoteAddr)
	if loopback {
		return func() {}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return nil, busy(http.StatusTooManyRequests, addressRetryAfter,
			"your address has %d open subscriptions, the limit: close some (one connection can carry all of a page's topics)", c.n[key])
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

// addressKey is the address remoteAddr (host:port) counts under: the IP,
// or its /64 for IPv6; remoteAddr itself when it is not host:port.
func addressKey(remoteAddr string) (key string, loopback bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host, false
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return "", true
	}
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String(), false
		}
	}
	return ip.String(), false
}
