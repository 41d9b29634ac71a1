package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A burst (-burst-match) posts match events through the scoring API
// instead of Mercure publishes: notes, each voided by the next event of
// the same sender, so that the match's timeline stays short however long
// the burst (a note and a void are allowed whatever the match's status).
// Each event's text carries the run's nonce and its send time; the hub
// publishes each change on the match's topic as the compact state and the
// events that changed it. A hub may coalesce them (a subscriber that is
// behind skips to the newest state), so the measure is staleness, not
// loss: for each update received, its receipt minus the send time of the
// newest event it carries, and at the end every subscriber must have the
// newest seq.
const (
	// burstSenders is how many events are in flight at once: enough for
	// 1,000 a second at a few milliseconds each, well under the API's 32
	// requests at once per client address.
	burstSenders = 16
	// maxMatchLine bounds one line of a match's stream that the tool
	// reads whole; a longer one is skipped as foreign.
	maxMatchLine = 64 << 10
	// textPrefix starts the text of every event the tool posts.
	textPrefix = "loadtest "
)

// burstMatch is what the API says of the match before the burst.
type burstMatch struct {
	Topic string `json:"topic"`
	State struct {
		Seq int64 `json:"seq"`
	} `json:"state"`
}

// apiURL is the scoring API's URL of path on the origin of hub.
func apiURL(hub, path string) string {
	u, _ := url.Parse(hub)
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/api/v1" + path}).String()
}

// readMatch reads the burst's match from the API of the first instance.
func readMatch(ctx context.Context, c *Config, client *http.Client) (burstMatch, error) {
	var m burstMatch
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := apiURL(c.hubs[0], "/matches/"+strconv.FormatInt(c.BurstMatch, 10))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return m, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return m, fmt.Errorf("-burst-match %d: read the match: %w", c.BurstMatch, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("-burst-match %d: GET %s: status %d: %s", c.BurstMatch, u, resp.StatusCode, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Topic == "" {
		return m, fmt.Errorf("-burst-match %d: GET %s: no topic in the answer (%v)", c.BurstMatch, u, err)
	}
	return m, nil
}

// burst posts c.Publish events to the match at c.Rate per second (0: as
// fast as burstSenders at once go), event j through instance j mod the
// instances, until done or ctx ends. LastSeq is the newest seq recorded.
func burst(ctx context.Context, c *Config, client *http.Client, run string) publishResult {
	res := publishResult{}
	start := time.Now()
	res.StartNS = start.UnixNano()
	var next, ok, failed, lastSeq atomic.Int64
	var firstErr firstError
	var wg sync.WaitGroup
	for range min(burstSenders, max(c.Publish, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var pending int64 // this sender's note not yet voided
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= c.Publish {
					return
				}
				if c.Rate > 0 && !sleepUntil(ctx, start.Add(time.Duration(float64(j)/c.Rate*float64(time.Second)))) {
					return
				}
				ev := map[string]any{"kind": "note"}
				if pending > 0 {
					ev = map[string]any{"kind": "void", "void_seq": pending}
				}
				ev["text"] = textPrefix + run + " " + strconv.FormatInt(time.Now().UnixNano(), 10)
				seq, err := postEvent(ctx, client, apiURL(c.hubs[j%len(c.hubs)], "/matches/"+strconv.FormatInt(c.BurstMatch, 10)+"/events"), c.APIToken, ev)
				if err != nil {
					failed.Add(1)
					firstErr.note(fmt.Errorf("event %d: %w", j, err))
					continue
				}
				ok.Add(1)
				storeMax(&lastSeq, seq)
				if pending > 0 {
					pending = 0
				} else {
					pending = seq
				}
			}
		}()
	}
	wg.Wait()
	res.OK, res.Failed, res.FirstErr, res.LastSeq = int(ok.Load()), int(failed.Load()), firstErr.get(), lastSeq.Load()
	res.end(ctx, c, "events")
	return res
}

// postEvent appends ev with the API token and returns its seq.
func postEvent(ctx context.Context, client *http.Client, u, token string, ev map[string]any) (int64, error) {
	body, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, 16<<20)) // keep the connection
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return 0, fmt.Errorf("POST %s: status %d: %s", u, resp.StatusCode, bytes.TrimSpace(msg))
	}
	// The answer is the event, then the whole state: read the event only.
	dec := json.NewDecoder(resp.Body)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, fmt.Errorf("POST %s: the answer is not a JSON object (%v)", u, err)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("POST %s: read the answer: %w", u, err)
		}
		if key != "event" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, fmt.Errorf("POST %s: read the answer: %w", u, err)
			}
			continue
		}
		var e struct {
			Seq int64 `json:"seq"`
		}
		if err := dec.Decode(&e); err != nil || e.Seq <= 0 {
			return 0, fmt.Errorf("POST %s: no seq in the answer's event (%v)", u, err)
		}
		return e.Seq, nil
	}
	return 0, fmt.Errorf("POST %s: no event in the answer", u)
}

// matchState counts data, a match update received by s at now (too
// long to be kept whole when tooLong).
func (wk *worker) matchState(s *subState, data []byte, tooLong bool, now time.Time) {
	seq, sent, ok := readMatchUpdate(data, textPrefix+wk.spec.Run+" ")
	if tooLong || !ok {
		wk.foreign.Add(1)
		return
	}
	if seq <= s.seq {
		wk.dups.Add(1) // a match's states come in order, each once
		return
	}
	s.seq = seq
	s.distinct++
	wk.received.Add(1)
	storeMax(&wk.lastRecv, now.UnixNano())
	if sent > 0 {
		wk.latency.add(now.Sub(time.Unix(0, sent)))
	} else {
		wk.foreign.Add(1) // someone else's event
	}
	if seq >= wk.spec.ExpectSeq && !s.complete {
		s.complete = true
		wk.markComplete()
	}
}

// readMatchUpdate reads the two things a burst needs of a match update
// without decoding it whole (19,000 subscribers each read several a
// second, on the CPUs the server uses): its seq, the first "seq" key of
// the object (the summary's id, sport and status precede it, and its
// events follow), and the newest send time that an event's text written
// with prefix carries (0 if none). ok is false when data is not such an
// update.
func readMatchUpdate(data []byte, prefix string) (seq, sent int64, ok bool) {
	_, rest, ok := bytes.Cut(data, []byte(`"seq":`))
	if !ok || !bytes.HasPrefix(data, []byte("{")) {
		return 0, 0, false
	}
	seq, _ = leadingInt(rest)
	if seq <= 0 {
		return 0, 0, false
	}
	quoted := []byte(`"` + prefix)
	for {
		i := bytes.Index(rest, quoted)
		if i < 0 {
			return seq, sent, true
		}
		rest = rest[i+len(quoted):]
		if v, n := leadingInt(rest); n > 0 && n < len(rest) && rest[n] == '"' {
			sent = max(sent, v)
		}
	}
}

// leadingInt parses the decimal digits b starts with: their value and
// how many there are.
func leadingInt(b []byte) (v int64, n int) {
	for n < len(b) && n < 19 && '0' <= b[n] && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n
}
