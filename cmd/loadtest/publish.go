package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// publisherToken is the token the updates are published with: c.Token, or
// one signed with c.JWTKey (HS256) that may publish on every topic and
// outlives the run.
func publisherToken(c *Config) (string, error) {
	if c.Token != "" {
		return c.Token, nil
	}
	key, err := hub.NewKey(hub.HS256, c.JWTKey)
	if err != nil {
		return "", fmt.Errorf("-jwt-key: %w", err)
	}
	tok, err := key.Sign([]string{"*"}, nil, c.Duration+time.Hour)
	if err != nil {
		return "", fmt.Errorf("sign the publisher token: %w", err)
	}
	return tok, nil
}

// publishResult is how the publishing went.
type publishResult struct {
	// PerTopic counts the updates the hub accepted, by topic index.
	PerTopic []int
	OK       int
	Failed   int
	FirstErr string
	StartNS  int64
	EndNS    int64
	// LastSeq is the newest match seq a burst recorded.
	LastSeq int64
}

// publish sends c.Publish updates, update j to topic j mod c.Topics
// through instance j mod the instances (so that most deliveries cross
// from one instance to another), at c.Rate per second, one at a time,
// until done or ctx ends.
func publish(ctx context.Context, c *Config, client *http.Client, run, token string) publishResult {
	res := publishResult{PerTopic: make([]int, c.Topics)}
	start := time.Now()
	res.StartNS = start.UnixNano()
	pad := padding(c.Size, run)
	for j := 0; j < c.Publish && ctx.Err() == nil; j++ {
		if c.Rate > 0 {
			at := start.Add(time.Duration(float64(j) / c.Rate * float64(time.Second)))
			if !sleepUntil(ctx, at) {
				break
			}
		}
		t := j % c.Topics
		if err := publishOne(ctx, client, c.hubs[j%len(c.hubs)], token, c.topic(t), run, j, pad); err != nil {
			res.Failed++
			if res.FirstErr == "" {
				res.FirstErr = err.Error()
			}
			continue
		}
		res.OK++
		res.PerTopic[t]++
	}
	res.end(ctx, c, "updates")
	return res
}

// end counts what was not sent of c.Publish (what: "updates", "events")
// as failed, saying why if nothing failed before, and notes the time.
func (res *publishResult) end(ctx context.Context, c *Config, what string) {
	if cut := c.Publish - res.OK - res.Failed; cut > 0 {
		res.Failed += cut
		if res.FirstErr == "" {
			res.FirstErr = fmt.Sprintf("%d %s not sent: %s", cut, what, stopReason(ctx, c))
		}
	}
	res.EndNS = time.Now().UnixNano()
}

// stopReason says why ctx ended.
func stopReason(ctx context.Context, c *Config) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("-duration %v was over", c.Duration)
	}
	return "interrupted"
}

// publishOne POSTs update seq; the data carries the time it was sent
// and, on a line of its own, pad.
func publishOne(ctx context.Context, client *http.Client, hub, token, topic, run string, seq int, pad string) error {
	data, _ := json.Marshal(payload{Run: run, Seq: seq, Sent: time.Now().UnixNano()})
	if pad != "" {
		data = append(append(data, '\n'), pad...)
	}
	form := url.Values{"topic": {topic}, "data": {string(data)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("publish update %d: %w", seq, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("publish update %d: status %d: %s", seq, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// padding is the line that makes an update's data of run about size
// bytes long ("" for 0 or less than an update without it).
func padding(size int, run string) string {
	bare := len(`{"run":"","seq":0,"sent_unix_nano":1000000000000000000}`+"\n"+padPrefix) + len(run)
	if size <= bare {
		return ""
	}
	return padPrefix + strings.Repeat("x", size-bare)
}

// sleepUntil waits until at; false if ctx ended first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
