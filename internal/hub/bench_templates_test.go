package hub

import (
	"fmt"
	"strings"
	"testing"
)

// attackTemplate is the black-box probe's selector (issue 9): nineteen
// reserved expansions that match anything, then a distinct literal tail.
func attackTemplate(i int) string {
	var b strings.Builder
	for v := range 19 {
		fmt.Fprintf(&b, "{+v%d}", v)
	}
	fmt.Fprintf(&b, "{/w*}Z%05d_00", i)
	return b.String()
}

// benchmarkDispatchTemplates dispatches one update on a match topic while
// subscribers hold n distinct templates: half the probe's, which start
// with an expression and so meet every topic, half under other literal
// prefixes (https://example.org/users/N/{x}). It is the cost that
// anonymous subscribers can add to every publish.
func benchmarkDispatchTemplates(b *testing.B, n int) {
	r := newRegistry(newest{})
	topic := "https://scores.example.org/matches/42"
	fan := newTestSubscriber(b, r, DefaultQueueSize, topic)
	for i := range n {
		sel := attackTemplate(i)
		if i%2 == 1 {
			sel = fmt.Sprintf("https://example.org/users/%d/{x}", i)
		}
		newTestSubscriber(b, r, DefaultQueueSize, sel)
	}
	var drained []*event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := Update{ID: "x", Topics: []string{topic}, Seq: int64(i + 1)}
		if got, _ := r.dispatch(&u, &event{seq: u.Seq}); got != 1 {
			b.Fatalf("delivered to %d, want 1", got)
		}
		drained = fan.queue.take(drained[:0])
	}
}

func BenchmarkDispatchTemplates1000(b *testing.B)  { benchmarkDispatchTemplates(b, 1000) }
func BenchmarkDispatchTemplates10000(b *testing.B) { benchmarkDispatchTemplates(b, 10000) }

// BenchmarkDispatchTemplatesUnanchored1000 is the residual cost: 1,000
// distinct templates with neither a literal prefix nor a literal suffix
// ({+a}N{+b}), which every topic meets and whose regexps all run. The cap
// (Config.MaxTemplates) is what bounds it.
func BenchmarkDispatchTemplatesUnanchored1000(b *testing.B) {
	r := newRegistry(newest{})
	topic := "https://scores.example.org/matches/42"
	fan := newTestSubscriber(b, r, DefaultQueueSize, topic)
	for i := range 1000 {
		newTestSubscriber(b, r, DefaultQueueSize, fmt.Sprintf("{+a}Q%d{+b}", i))
	}
	var drained []*event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := Update{ID: "x", Topics: []string{topic}, Seq: int64(i + 1)}
		if got, _ := r.dispatch(&u, &event{seq: u.Seq}); got != 1 {
			b.Fatalf("delivered to %d, want 1", got)
		}
		drained = fan.queue.take(drained[:0])
	}
}
