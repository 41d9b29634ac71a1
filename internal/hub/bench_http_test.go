package hub_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// BenchmarkFanOutHTTP1000 is the end-to-end fan-out: one update dispatched
// to 1,000 real SSE clients over loopback HTTP/1.1, each reading the
// stream; an iteration ends when every client has read the update.
func BenchmarkFanOutHTTP1000(b *testing.B) {
	const clients = 1000
	th := newHub(b, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://scores.example.org/matches/42"
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pending sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(clients)
	for range clients {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, th.subURL([]string{topic}), nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatalf("subscribe: %v", err)
		}
		go func() {
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			first := true
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if line != "\n" {
					continue
				}
				if first { // the opening comment: registered
					first = false
					ready.Done()
					continue
				}
				pending.Done()
			}
		}()
	}
	ready.Wait()
	data := `{"id":42,"status":"live","seq":17,"home":{"score":2},"away":{"score":1}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pending.Add(clients)
		th.Dispatch(hub.Update{ID: hub.NewID(), Topics: []string{topic}, Data: data, Seq: int64(i + 1)})
		pending.Wait()
	}
	b.ReportMetric(float64(clients)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	b.StopTimer()
	cancel()
	th.Shutdown()
}

// BenchmarkConnectStormHTTP connects 2,000 SSE subscribers at once (50
// clients dialing in parallel, active subscriptions on, so each connection
// dispatches its subscription event) and waits until every stream is open:
// a connection storm, reported in connections per second.
func BenchmarkConnectStormHTTP(b *testing.B) {
	const subscribers, dialers = 2000, 50
	th := newHub(b, hub.Config{AllowAnonymous: true, Subscriptions: true, Heartbeat: time.Hour})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: dialers}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		errs := make(chan error, dialers)
		for d := range dialers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := d; j < subscribers; j += dialers {
					url := th.subURL([]string{"https://scores.example.org/matches/" + strconv.Itoa(j%50)})
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					resp, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatalf("connect: %v", err)
		}
		cancel()
		for th.SubscriberCount() != 0 { // bounded: every stream's context is cancelled
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(subscribers)*float64(b.N)/b.Elapsed().Seconds(), "connects/s")
}
