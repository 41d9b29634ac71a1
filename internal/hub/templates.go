package hub

import (
	"net/http"
	"sync"
	"time"
)

// templateCache holds one compiled matcher per distinct URI template
// selector among the open subscriptions, shared by every subscriber that
// sends the same template and counted, so that the last to leave frees
// it. A compiled template costs about 16 KB (more while it matches); the
// cache, with Config.MaxTemplates, bounds what all subscribers together
// can make the hub compile and match, and Config.MaxSubscriberTemplates
// what one subscription can.
type templateCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*sharedTemplate
}

type sharedTemplate struct {
	sel  Selector
	refs int
}

func newTemplateCache(max int) *templateCache {
	return &templateCache{max: max, m: make(map[string]*sharedTemplate)}
}

// templatesRetryAfter is the Retry-After of a refusal for a full cache:
// templates are freed as subscribers leave.
const templatesRetryAfter = 30 * time.Second

// acquire returns the selector of each template in raws, distinct
// strings, compiling those not in the cache; each must be released. The
// error is a 400 *Error for an invalid template, a 429 one when the hub
// holds its maximum of distinct templates already. Templates compile
// outside the lock, so that a subscriber sending new ones never holds up
// the others.
func (c *templateCache) acquire(raws []string) ([]Selector, error) {
	if len(raws) == 0 {
		return nil, nil
	}
	c.mu.Lock()
	var missing []string
	for _, raw := range raws {
		if c.m[raw] == nil {
			missing = append(missing, raw)
		}
	}
	full := len(c.m)+len(missing) > c.max
	held := len(c.m)
	c.mu.Unlock()
	if len(missing) > 0 && full {
		return nil, c.full(held, len(missing))
	}
	compiled := make(map[string]Selector, len(missing))
	for _, raw := range missing {
		sel, err := ParseSelector(raw) // bounded: MaxTemplateExpressions, MaxSubscriberTemplates per request
		if err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Message: "topic parameter is not a valid topic selector: " + err.Error(), Err: err}
		}
		compiled[raw] = sel
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	added := 0
	for _, raw := range raws {
		if c.m[raw] == nil {
			added++
		}
	}
	if added > 0 && len(c.m)+added > c.max { // others added some meanwhile
		return nil, c.full(len(c.m), added)
	}
	sels := make([]Selector, 0, len(raws))
	for _, raw := range raws {
		t := c.m[raw]
		if t == nil {
			sel, ok := compiled[raw]
			if !ok { // held at first, released meanwhile: rare, compile here
				var err error
				if sel, err = ParseSelector(raw); err != nil {
					c.releaseLocked(raws[:len(sels)])
					return nil, &Error{Status: http.StatusBadRequest, Message: "topic parameter is not a valid topic selector: " + err.Error(), Err: err}
				}
			}
			t = &sharedTemplate{sel: sel}
			c.m[raw] = t
		}
		t.refs++
		sels = append(sels, t.sel)
	}
	return sels, nil
}

// full is the refusal of a subscription that would add n templates to the
// held ones, the most the hub holds.
func (c *templateCache) full(held, n int) error {
	return busy(http.StatusTooManyRequests, templatesRetryAfter,
		"the hub holds %d distinct URI template selectors, its limit, and this subscription adds %d: subscribe to topics, or to templates others use already, or retry later", held, n)
}

// release gives back templates acquired before.
func (c *templateCache) release(raws []string) {
	if len(raws) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked(raws)
}

func (c *templateCache) releaseLocked(raws []string) {
	for _, raw := range raws {
		if t := c.m[raw]; t != nil {
			if t.refs--; t.refs <= 0 {
				delete(c.m, raw)
			}
		}
	}
}

// len returns the number of distinct templates held.
func (c *templateCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
