package hub

import (
	"fmt"
	"slices"
	"testing"
)

func TestEncodeEvent(t *testing.T) {
	tests := []struct {
		name string
		u    Update
		want string
	}{
		{"data only", Update{ID: "urn:1", Data: "hello"}, "id: urn:1\ndata: hello\n\n"},
		{"empty data still has a data line", Update{ID: "urn:1"}, "id: urn:1\ndata: \n\n"},
		{"every field", Update{ID: "urn:1", Type: "score", Retry: 3000, Data: "a"}, "id: urn:1\nevent: score\nretry: 3000\ndata: a\n\n"},
		{"lines split on LF, CRLF and CR", Update{ID: "urn:1", Data: "a\nb\r\nc\rd"}, "id: urn:1\ndata: a\ndata: b\ndata: c\ndata: d\n\n"},
		{"trailing newline", Update{ID: "urn:1", Data: "a\n"}, "id: urn:1\ndata: a\ndata: \n\n"},
		{"line breaks removed from id and type", Update{ID: "urn:\n1", Type: "a\r\nb", Data: "x"}, "id: urn:1\nevent: ab\ndata: x\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(encodeEvent(tt.u)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSubscriptionTopicEscapesReservedCharacters(t *testing.T) {
	got := SubscriptionTopic("https://example.com/{selector}", "urn:uuid:bb3de268-05b0-4c65-b44e-8f9acefc29d6")
	want := "/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2F%7Bselector%7D/urn%3Auuid%3Abb3de268-05b0-4c65-b44e-8f9acefc29d6"
	if got != want {
		t.Errorf("got %q, want %q (the spec's example)", got, want)
	}
	if got := escapeVar("a b+é"); got != "a%20b%2B%C3%A9" {
		t.Errorf("got %q, want %q", got, "a%20b%2B%C3%A9")
	}
}

// newTestSubscriber registers a subscriber with selectors in r.
func newTestSubscriber(t testing.TB, r *registry, queue int, selectors ...string) *subscriber {
	t.Helper()
	sels, err := ParseSelectors(selectors)
	if err != nil {
		t.Fatal(err)
	}
	s := newSubscriber(NewID(), sels, Claims{}, queue)
	if _, ok := r.add(s); !ok {
		t.Fatal("registry closed")
	}
	return s
}

func TestRegistryIndex(t *testing.T) {
	r := newRegistry(newest{})
	lit := newTestSubscriber(t, r, 4, "https://example.com/a")
	tmpl := newTestSubscriber(t, r, 4, "https://example.com/{x}")
	tmpl2 := newTestSubscriber(t, r, 4, "https://example.com/{x}", "https://example.com/a")
	all := newTestSubscriber(t, r, 4, "*")
	other := newTestSubscriber(t, r, 4, "https://example.com/b/c")
	u := Update{ID: "1", Topics: []string{"https://example.com/a", "urn:alt"}, Seq: 1}
	if n, _ := r.dispatch(&u, newEvent(u)); n != 4 {
		t.Errorf("dispatch: got %d deliveries, want 4", n)
	}
	for name, s := range map[string]*subscriber{"literal": lit, "template": tmpl, "template and literal": tmpl2, "*": all} {
		if got := s.queue.len(); got != 1 {
			t.Errorf("%s: got %d queued, want 1", name, got)
		}
	}
	if got := other.queue.len(); got != 0 {
		t.Errorf("unmatched: got %d queued, want 0", got)
	}
	if got := r.lastDispatched(Claims{}); got != (lastUpdate{id: "1", seq: 1}) {
		t.Errorf("last: got %+v, want id 1 seq 1", got)
	}
	// Removing subscribers empties the index.
	for _, s := range []*subscriber{lit, tmpl, tmpl2, all, other} {
		r.remove(s)
	}
	if len(r.all.literal) != 0 || len(r.all.patterns) != 0 || len(r.byID) != 0 {
		t.Errorf("after removing all: %d literal topics, %d patterns, %d subscribers; want none", len(r.all.literal), len(r.all.patterns), len(r.byID))
	}
}

func TestRegistryKillsSubscriberWithFullQueue(t *testing.T) {
	r := newRegistry(newest{})
	r.onSlow = func(s *subscriber) { s.kill("too slow") }
	slow := newTestSubscriber(t, r, 2, "a")
	for i := range 3 {
		u := Update{ID: fmt.Sprint(i), Topics: []string{"a"}, Seq: int64(i + 1)}
		r.dispatch(&u, newEvent(u))
	}
	select {
	case <-slow.done:
		if slow.reason != "too slow" {
			t.Errorf("reason: got %q, want %q", slow.reason, "too slow")
		}
	default:
		t.Error("a subscriber whose queue overflowed is still open")
	}
}

// A private update (such as a subscription event) never visits the
// subscribers whose token cannot receive it: not even those of "*".
func TestRegistryPrivateUpdateSkipsAnonymousSubscribers(t *testing.T) {
	r := newRegistry(newest{})
	anon := newTestSubscriber(t, r, 4, "*")
	authed := newSubscriber(NewID(), []Selector{mustParseSelector("*")}, Claims{Subscribe: []Selector{mustParseSelector("*")}}, 4)
	r.add(authed)
	u := Update{ID: "1", Topics: []string{SubscriptionTopic("a", "b")}, Private: true}
	if n, _ := r.dispatch(&u, newEvent(u)); n != 1 {
		t.Errorf("delivered to %d, want 1 (the authorized subscriber)", n)
	}
	if anon.mark != 0 {
		t.Error("the private update visited an anonymous subscriber")
	}
	if n := authed.queue.len(); n != 1 {
		t.Errorf("authorized subscriber: got %d queued, want 1", n)
	}
}

// A killed subscriber stays registered until its handler returns; later
// dispatches skip it instead of finding its queue full again.
func TestRegistrySkipsKilledSubscriber(t *testing.T) {
	r := newRegistry(newest{})
	slowCalls := 0
	r.onSlow = func(s *subscriber) {
		slowCalls++
		if !s.kill("too slow") {
			t.Error("kill of a live subscriber: got not first, want first")
		}
	}
	slow := newTestSubscriber(t, r, 1, "a")
	for i := range 4 {
		u := Update{ID: fmt.Sprint(i), Topics: []string{"a"}, Seq: int64(i + 1)}
		r.dispatch(&u, newEvent(u))
	}
	if slowCalls != 1 {
		t.Errorf("onSlow: got %d calls, want 1", slowCalls)
	}
	if slow.kill("again") {
		t.Error("second kill: got first, want not first")
	}
	if got := slow.killedFor(); got != "too slow" {
		t.Errorf("killedFor: got %q, want %q", got, "too slow")
	}
}

func TestIndexMatchesPatternsUnderTheirPrefix(t *testing.T) {
	r := newRegistry(newest{})
	sels := []string{"https://a.org/{x}", "https://a.org/b/{x}", "https://a.org/b/{x}/z", "https://b.org/{x}", "*", "{+any}", "{+any}tail", "{+any}ail", "https://a.org/{+rest}"}
	for _, s := range sels {
		newTestSubscriber(t, r, 4, s)
	}
	tests := []struct {
		topics []string
		want   []string
	}{
		{[]string{"https://a.org/b/c"}, []string{"*", "https://a.org/b/{x}", "https://a.org/{+rest}", "{+any}"}},
		{[]string{"https://a.org/b"}, []string{"*", "https://a.org/{+rest}", "https://a.org/{x}", "{+any}"}},
		{[]string{"https://a.org/b/c", "https://a.org/q", "https://b.org/q/tail"}, []string{"*", "https://a.org/b/{x}", "https://a.org/{+rest}", "https://a.org/{x}", "{+any}", "{+any}ail", "{+any}tail"}},
		{[]string{"{+any}tail"}, []string{"*", "{+any}tail"}}, // a template matches itself, braces and all
		{[]string{"https://a.org/b/c/z"}, []string{"*", "https://a.org/b/{x}/z", "https://a.org/{+rest}", "{+any}"}},
		{[]string{"x"}, []string{"*", "{+any}"}},
	}
	for _, tt := range tests {
		var got []string
		r.gen++
		r.all.matching(tt.topics, r.gen, func(p *pattern) bool {
			got = append(got, p.sel.String())
			return true
		})
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q (each once)", tt.topics, got, tt.want)
		}
	}
	for s := range r.byID {
		r.remove(r.byID[s])
	}
	if len(r.all.byPrefix) != 0 || len(r.all.prefixLens) != 0 || len(r.all.bySuffix) != 0 {
		t.Errorf("after removing all: got %d prefixes, lengths %v and %d suffixes, want none", len(r.all.byPrefix), r.all.prefixLens, len(r.all.bySuffix))
	}
}

func TestTemplateCacheSharesAndCounts(t *testing.T) {
	c := newTemplateCache(2)
	a, err := c.acquire([]string{"https://a/{x}"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.acquire([]string{"https://a/{x}", "https://b/{x}"})
	if err != nil {
		t.Fatal(err)
	}
	if a[0].re != b[0].re {
		t.Error("the same template compiled twice: got two matchers, want one shared")
	}
	if _, err := c.acquire([]string{"https://c/{x}"}); err == nil {
		t.Error("a third distinct template with a limit of 2: got nil error, want a refusal")
	}
	if _, err := c.acquire([]string{"https://a/{x}", "https://{"}); err == nil {
		t.Error("an invalid template: got nil error, want one")
	}
	c.release([]string{"https://a/{x}"})
	c.release([]string{"https://a/{x}", "https://b/{x}"})
	if n := c.len(); n != 0 {
		t.Errorf("after releasing all: got %d templates, want 0 (the refused acquire must give back what it took)", n)
	}
}
