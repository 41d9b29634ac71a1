package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serverStats are the server's figures from its Prometheus endpoint. Each
// is nil when the endpoint did not give it (a server out of file
// descriptors cannot read its own RSS from /proc).
type serverStats struct {
	RSSBytes   *float64 `json:"rss_bytes"`
	HeapInuse  *float64 `json:"heap_inuse_bytes"`
	StackInuse *float64 `json:"stack_inuse_bytes"`
	Goroutines *float64 `json:"goroutines"`
	// Subscribers is the hub's own count of open streams.
	Subscribers *float64 `json:"hub_subscribers"`
	OpenFDs     *float64 `json:"open_fds"`
	CPUSeconds  *float64 `json:"cpu_seconds"` // user and system, since it started
	// SlowDisconnects counts the subscribers the hub dropped for being
	// too slow, since it started.
	SlowDisconnects *float64 `json:"hub_slow_disconnects"`
}

// fields maps the metric names to s's fields.
func (s *serverStats) fields() map[string]**float64 {
	return map[string]**float64{
		"process_resident_memory_bytes": &s.RSSBytes,
		"go_memstats_heap_inuse_bytes":  &s.HeapInuse,
		"go_memstats_stack_inuse_bytes": &s.StackInuse,
		"go_goroutines":                 &s.Goroutines,
		"hub_subscribers":               &s.Subscribers,
		"process_open_fds":              &s.OpenFDs,
		"process_cpu_seconds_total":     &s.CPUSeconds,
		"hub_slow_disconnects_total":    &s.SlowDisconnects,
	}
}

// scrape reads the server's figures from the metrics endpoint; nil when
// it does not answer with any.
func scrape(ctx context.Context, client *http.Client, metricsURL string) *serverStats {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil
	}
	var s serverStats
	fields, found := s.fields(), false
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		f := fields[name]
		if f == nil {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			*f, found = &v, true
		}
	}
	if !found {
		return nil
	}
	return &s
}

// perSubscriber is the growth of the server's figures from a to b,
// divided by n subscribers; fields either lacks are nil.
func perSubscriber(a, b *serverStats, n int) *serverStats {
	if a == nil || b == nil || n <= 0 {
		return nil
	}
	var out serverStats
	af, bf, of := a.fields(), b.fields(), out.fields()
	for name, o := range of {
		if x, y := *af[name], *bf[name]; x != nil && y != nil {
			v := (*y - *x) / float64(n)
			*o = &v
		}
	}
	out.CPUSeconds, out.SlowDisconnects = nil, nil // reported per phase instead
	return &out
}

// sumStats adds up the instances' figures; a field any instance lacks is
// nil, and so is the sum of none.
func sumStats(all []*serverStats) *serverStats {
	for _, s := range all {
		if s == nil {
			return nil
		}
	}
	if len(all) == 0 {
		return nil
	}
	var out serverStats
	for name, o := range out.fields() {
		var sum float64
		ok := true
		for _, s := range all {
			if *s.fields()[name] == nil {
				ok = false
				break
			}
			sum += **s.fields()[name]
		}
		if ok {
			v := sum
			*o = &v
		}
	}
	return &out
}

// growth is b's field minus a's, if both have it.
func growth(a, b *serverStats, field func(*serverStats) *float64) *float64 {
	if a == nil || b == nil || field(a) == nil || field(b) == nil {
		return nil
	}
	v := *field(b) - *field(a)
	return &v
}
