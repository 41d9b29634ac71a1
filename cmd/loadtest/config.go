package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults and bounds of the configuration.
const (
	defaultHub = "http://127.0.0.1:8080/.well-known/mercure"
	// spareFiles are the files a worker needs besides its sockets.
	spareFiles = 100
	// maxDialsInFlight bounds a worker's connections waiting for their
	// first byte, so that a storm does not overflow the server's backlog.
	maxDialsInFlight = 128
	// maxSize bounds -size: the hub's default largest update is 1 MiB.
	maxSize = 512 << 10
)

// Config is one run of the load test.
type Config struct {
	// Hub is the hub's URL, or several instances' URLs separated by
	// commas; every host must be a loopback address. Subscribers and
	// publishes are spread round-robin over the instances.
	Hub string
	// Metrics is the servers' Prometheus endpoints, one per instance,
	// separated by commas; "" derives each from its hub URL (same origin,
	// /metrics). The server's figures are left out when it does not answer.
	Metrics string
	// Subscribers are spread over Topics topics, TopicBase1..TopicBaseK.
	Subscribers int
	Topics      int
	TopicBase   string
	// Publish updates are sent, update j to topic j mod Topics, at Rate
	// per second (0: as fast as the hub accepts them, one at a time).
	Publish int
	Rate    float64
	// JWTKey signs the publisher's token (HS256); Token is used as is
	// instead when set.
	JWTKey string
	Token  string
	// Workers is the number of worker processes; 0 picks enough that none
	// holds more than its open files allow (perWorker).
	Workers int
	// Readers is how many goroutines of a worker read its streams, each
	// from an epoll of its own (Linux; elsewhere a goroutine reads each
	// stream). One costs the least CPU, which the server shares; with
	// few subscribers per worker, a fan-out can end up waiting for that
	// one reader while a CPU idles, and a second one per CPU takes it.
	Readers int
	// Duration bounds the whole run.
	Duration time.Duration
	// Drain is how long to wait, after the last publish, for deliveries
	// still on their way before counting them missing.
	Drain time.Duration
	// ConnectRate paces the connections, per second over all workers; 0
	// connects as fast as the workers can.
	ConnectRate float64
	// Freeze is the share of the subscribers (0 to 0.5) held by worker
	// processes of their own that are stopped (SIGSTOP) while publishing.
	Freeze float64
	// Size pads each published update's data to about this many bytes
	// (0: no padding, about 70 B); at most maxSize.
	Size int
	// Hold keeps every subscriber connected this long, the publishes spread
	// evenly over it; 0 publishes at Rate and ends.
	Hold time.Duration
	// Heartbeat is the hub's keep-alive interval: a stream silent for more
	// than twice as long has missed one.
	Heartbeat time.Duration
	// BurstMatch, when set, posts Publish match events to this match
	// through the scoring API with APIToken instead of Mercure publishes,
	// and subscribes to its topic.
	BurstMatch int64
	APIToken   string

	// hubs and metrics are Hub and Metrics split, one of each per instance.
	hubs, metrics []string
}

// maxFreeze bounds -freeze: the others must remain a majority.
const maxFreeze = 0.5

// validate checks c and fills in its defaults.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c.hubs, c.metrics = nil, nil
	for _, h := range strings.Split(c.Hub, ",") {
		h = strings.TrimSpace(h)
		if err := checkLoopback(h); err != nil {
			bad("-hub: %w", err)
			continue
		}
		c.hubs = append(c.hubs, h)
	}
	if c.Metrics == "" {
		for _, h := range c.hubs {
			u, _ := url.Parse(h)
			c.metrics = append(c.metrics, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/metrics"}).String())
		}
	} else {
		for _, m := range strings.Split(c.Metrics, ",") {
			m = strings.TrimSpace(m)
			if err := checkLoopback(m); err != nil {
				bad("-metrics: %w", err)
				continue
			}
			c.metrics = append(c.metrics, m)
		}
		if n := strings.Count(c.Metrics, ",") + 1; n != strings.Count(c.Hub, ",")+1 {
			bad("-metrics: %d URLs for %d hubs; give one per hub, in the same order", n, strings.Count(c.Hub, ",")+1)
		}
	}
	if c.Subscribers < 1 {
		bad("-subscribers: %d; give at least 1", c.Subscribers)
	}
	if c.BurstMatch > 0 {
		c.Topics = 1 // the match's topic
	}
	if c.Topics < 1 || c.Topics > 1_000_000 {
		bad("-topics: %d; give 1 to 1000000", c.Topics)
	}
	if c.TopicBase == "" {
		c.TopicBase = "https://example.org/matches/"
	}
	if c.Publish < 0 {
		bad("-publish: %d is negative", c.Publish)
	}
	if c.Size < 0 || c.Size > maxSize {
		bad("-size: %d; give 0 to %d bytes", c.Size, maxSize)
	}
	if c.Rate < 0 || c.ConnectRate < 0 {
		bad("-rate and -connect-rate: give a positive rate, or 0 for no pacing")
	}
	switch {
	case c.BurstMatch < 0:
		bad("-burst-match: %d; give a match id from 1", c.BurstMatch)
	case c.BurstMatch > 0 && c.APIToken == "":
		bad("-burst-match %d needs -api-token, an API token of an admin or of the match's scorer (scoreboard token api)", c.BurstMatch)
	case c.BurstMatch == 0 && c.Publish > 0 && c.JWTKey == "" && c.Token == "":
		bad("-publish %d needs a publisher token: give -jwt-key (the hub's JWT_KEY) or -token", c.Publish)
	}
	if c.Freeze < 0 || c.Freeze > maxFreeze {
		bad("-freeze: %g; give a share of the subscribers from 0 to %g, such as 0.05", c.Freeze, maxFreeze)
	} else if c.Freeze > 0 && c.Subscribers > 0 && (c.frozen() == 0 || c.frozen() == c.Subscribers) {
		bad("-freeze %g of %d subscribers freezes %d; give more subscribers or a larger share", c.Freeze, c.Subscribers, c.frozen())
	}
	if c.Hold < 0 {
		bad("-hold: %v is negative", c.Hold)
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.Duration <= 0 {
		bad("-duration: %v; give a positive duration such as 2m", c.Duration)
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	if c.Hold > 0 && c.Duration > 0 {
		if tl := newTimeline(time.Time{}, c); tl.connectBy.Sub(time.Time{}) < time.Second {
			bad("-hold %v: -duration %v leaves no time to connect; give -duration at least %v", c.Hold, c.Duration, c.Hold+c.Drain+15*time.Second)
		}
	}
	if c.Readers == 0 {
		c.Readers = 1
	}
	if c.Readers < 1 || c.Readers > maxReaders {
		bad("-readers: %d is not between 1 and %d", c.Readers, maxReaders)
	}
	if c.Workers < 0 {
		bad("-workers: %d is negative; give 0 to pick automatically", c.Workers)
	}
	c.checkWorkers(openFileLimit(), bad)
	return errors.Join(errs...)
}

// maxReaders bounds -readers: a reader is a thread in its epoll_wait.
const maxReaders = 64

// perWorker is the most subscribers one worker process can hold for a
// per-process limit of open files (0: unknown, taken as 20,000): a
// socket each, besides its own few files. By default each worker holds
// that many: one epoll loop reads all of a worker's streams, so fewer
// processes cost the tool less, and every process more is one more
// thread to schedule on the CPUs that the server uses.
func perWorker(limit int) int {
	return max(1, knownLimit(limit)-spareFiles)
}

// knownLimit is limit, a per-process limit of open files, or 20,000
// when it is unknown (0).
func knownLimit(limit int) int {
	if limit <= 0 {
		return 20000
	}
	return limit
}

// checkWorkers picks the number of workers, or checks the one given,
// for a per-process limit of open files (0: unknown, taken as 20,000).
func (c *Config) checkWorkers(limit int, bad func(string, ...any)) {
	limit = knownLimit(limit)
	most := perWorker(limit)
	live := c.Subscribers - c.frozen()
	if c.Workers == 0 && live > 0 {
		c.Workers = (live + most - 1) / most
	}
	if c.Workers <= 0 || live <= 0 {
		return
	}
	c.Workers = min(c.Workers, live)
	if per := (live + c.Workers - 1) / c.Workers; per > most {
		bad("-workers %d: each would hold %d sockets, but a process may open %d files here (ulimit -n); give at least %d workers",
			c.Workers, per, limit, (live+most-1)/most)
	}
}

// frozen is how many subscribers -freeze stops: the share, rounded.
func (c *Config) frozen() int {
	if c.Freeze <= 0 {
		return 0
	}
	return int(math.Round(c.Freeze * float64(c.Subscribers)))
}

// frozenWorkers is how many worker processes hold the frozen ones.
func (c *Config) frozenWorkers() int {
	most := perWorker(openFileLimit())
	return (c.frozen() + most - 1) / most
}

// hubOf is the instance subscriber i connects to: round-robin within each
// topic (subscriber i has topic i mod Topics), so that every topic has
// subscribers on every instance.
func hubOf(i, topics, hubs int) int { return (i / topics) % hubs }

// topic is the name of topic t (0-based): TopicBase followed by t+1.
func (c *Config) topic(t int) string { return c.TopicBase + strconv.Itoa(t+1) }

// perTopic is how many of n updates go to each of k topics when update j
// goes to topic j mod k.
func perTopic(n, k int) []int {
	out := make([]int, k)
	for t := range out {
		out[t] = n / k
		if t < n%k {
			out[t]++
		}
	}
	return out
}

// checkLoopback refuses any URL whose host is not a loopback address:
// load is only ever sent to this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) URL; use for example %s", raw, defaultHub)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q: host %q is not a loopback address (127.0.0.0/8, ::1, localhost); load is only ever sent to this machine", raw, u.Hostname())
	}
	return nil
}

// isLoopbackHost reports whether host is localhost or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly is a net.Dialer Control function: it refuses to connect
// anywhere but a loopback address, whatever a name resolved to.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
	}
	return nil
}
