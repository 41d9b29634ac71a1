package hub

import (
	"fmt"
	"strings"
	"testing"
)

func TestSelectorMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		selector, topic string
		want            bool
	}{
		{"*", "https://example.com/books/1", true},
		{"*", "anything at all", true},
		{"https://example.com/books/1", "https://example.com/books/1", true},
		{"https://example.com/books/1", "https://example.com/books/10", false},
		{"https://example.com/books/1", "https://example.com/books/", false},
		{"https://example.com/books/1", "HTTPS://example.com/books/1", false},
		{"urn:scoreboard:match:1", "urn:scoreboard:match:1", true},
		{"not a URI, but a topic", "not a URI, but a topic", true},
		{"https://example.com/books/{id}", "https://example.com/books/1", true},
		{"https://example.com/books/{id}", "https://example.com/books/foo-bar_baz.~", true},
		{"https://example.com/books/{id}", "https://example.com/books/", true},
		{"https://example.com/books/{id}", "https://example.com/books/1/reviews", false},
		{"https://example.com/books/{id}", "https://example.com/books/1?x=1", false},
		{"https://example.com/books/{id}", "https://example.com/book/1", false},
		{"https://example.com/books/{id}", "http://example.com/books/1", false},
		{"https://example.com/books/{id}", "https://example.com/books/{id}", true}, // itself
		{"https://example.com/books/{id}.jsonld", "https://example.com/books/1.jsonld", true},
		{"https://example.com/books/{id}.jsonld", "https://example.com/books/1.json", false},
		{"https://example.com/{+path}", "https://example.com/a/b/c?d=e#f", true},
		{"https://example.com/{+path}", "https://example.com/", true},
		{"https://example.com/{+path}", "https://example.org/a", false},
		{"https://example.com/x{/a,b}", "https://example.com/x/1/2", true},
		{"https://example.com/x{/a,b}", "https://example.com/x/1", true},
		{"https://example.com/x{/a,b}", "https://example.com/x", true},
		{"https://example.com/x{/a,b}", "https://example.com/x1", false},
		{"https://example.com/search{?q}", "https://example.com/search?q=goal", true},
		{"https://example.com/search{?q}", "https://example.com/search", true},
		{"https://example.com/search{?q}", "https://example.com/search?r=goal", false},
		{"https://example.com/search{?q,page}", "https://example.com/search?q=a&page=2", true},
		{"https://example.com/search{?q}{&page}", "https://example.com/search?q=a&page=2", true},
		{"https://example.com/matches/{id}{?fields*}", "https://example.com/matches/7?a=1&b=2", true},
		// The spec's private-update example (section "Subscribers").
		{"https://example.com/users/foo/{?topic}", "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1", true},
		{"https://example.com/users/foo/{?topic}", "https://example.com/users/bar/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1", false},
		{"https://example.com/users/foo/{?topic}", "https://example.com/books/1", false},
		{"https://example.com/matches/{id}", "https://example.com/matches/%E2%9A%BD", true},
		{"https://example.com/matches/{id:2}", "https://example.com/matches/12", true},
		{"https://example.com/matches/{id:2}", "https://example.com/matches/123", false},
		{"/.well-known/mercure/subscriptions{/topic}{/subscriber}", "/.well-known/mercure/subscriptions/https%3A%2F%2Fa%2F1/urn%3Auuid%3A1", true},
	}
	for _, tc := range tests {
		t.Run(tc.selector+" "+tc.topic, func(t *testing.T) {
			s, err := ParseSelector(tc.selector)
			if err != nil {
				t.Fatalf("ParseSelector(%q): got error %v, want none", tc.selector, err)
			}
			if got := s.Match(tc.topic); got != tc.want {
				t.Errorf("%q.Match(%q): got %v, want %v", tc.selector, tc.topic, got, tc.want)
			}
		})
	}
}

func TestParseSelectorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ selector, want string }{
		{"", `topic selector is empty: give a topic, a URI template or "*"`},
		{"https://a/" + strings.Repeat("x", MaxSelectorLength), "is 2058 bytes long: the limit is 2048"},
		{"https://a/{id", `topic selector "https://a/{id": unclosed expression at offset 10: add the closing "}"`},
		{"https://a/{a{b}", `topic selector "https://a/{a{b}": unclosed expression at offset 10: "{" at offset 12 opens another before "}"`},
		{"{}", `topic selector "{}": empty expression at offset 0: put a variable name between the braces`},
		{"x{=a}", `topic selector "x{=a}": unknown operator '=' at offset 2: use one of + # . / ; ? &`},
		{"{,a}", `unknown operator ','`},
		{"{!a}", `unknown operator '!'`},
		{"{@a}", `unknown operator '@'`},
		{"{|a}", `unknown operator '|'`},
		{"{+}", `topic selector "{+}": expression at offset 0 has an operator but no variable`},
		{"{a,}", `topic selector "{a,}": missing variable name at offset 3`},
		{"{a:}", `invalid prefix "" at offset 3: want a length from 1 to 9999`},
		{"{a:0}", `invalid prefix "0" at offset 3`},
		{"{a:01}", `invalid prefix "01" at offset 3`},
		{"{a:10000}", `invalid prefix "10000" at offset 3`},
		{"{a:x}", `invalid prefix "x" at offset 3`},
		{"{a b}", `invalid character ' ' in variable name "a b" at offset 2`},
		{"{$a}", `invalid character '$' in variable name "$a" at offset 1`},
		{"{a*:3}", `invalid character '*' in variable name "a*" at offset 2`},
		{"{.a.}", `invalid character '.' in variable name "a." at offset 3`},
		{"{a..b}", `invalid character '.' in variable name "a..b" at offset 3`},
		{"{a%2}", `invalid character '%' in variable name "a%2" at offset 2`},
		{strings.Repeat("{a}", MaxTemplateExpressions) + "/{b}", `more than 20 expressions (at offset 61): use fewer, or "{+path}" for a whole path`},
		{"{?" + strings.Repeat("a,", MaxTemplateVariables) + "b}", `more than 40 variables (at offset 82): use fewer`},
		{"{?x,y z}", `invalid character ' ' in variable name "y z" at offset 5`},
	}
	for _, tc := range tests {
		t.Run(tc.selector[:min(len(tc.selector), 40)], func(t *testing.T) {
			_, err := ParseSelector(tc.selector)
			if err == nil {
				t.Fatalf("ParseSelector(%q): got no error, want %q", tc.selector, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSelector(%q): got error %q, want it to contain %q", tc.selector, err, tc.want)
			}
		})
	}
}

func TestSelectorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		selector      string
		literal       bool
		all, template bool
	}{
		{"*", false, true, false},
		{"https://example.com/books/1", true, false, false},
		{"**", true, false, false},
		{"a}b", true, false, false},
		{"https://example.com/{id}", false, false, true},
		{"{a%20b.c_1}", false, false, true},
		{strings.Repeat("{a}", MaxTemplateExpressions) + "/", false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.selector, func(t *testing.T) {
			s, err := ParseSelector(tc.selector)
			if err != nil {
				t.Fatalf("ParseSelector(%q): got error %v, want none", tc.selector, err)
			}
			if got := s.String(); got != tc.selector {
				t.Errorf("String(): got %q, want %q", got, tc.selector)
			}
			lit, ok := s.Literal()
			if ok != tc.literal || ok && lit != tc.selector {
				t.Errorf("Literal(): got %q, %v, want literal %v", lit, ok, tc.literal)
			}
			if got := isAll(s); got != tc.all {
				t.Errorf("isAll: got %v, want %v", got, tc.all)
			}
			if got := isTemplate(s); got != tc.template {
				t.Errorf("isTemplate: got %v, want %v", got, tc.template)
			}
		})
	}
}

func TestZeroSelectorMatchesNothing(t *testing.T) {
	t.Parallel()
	var s Selector
	for _, topic := range []string{"", "*", "https://example.com/"} {
		if s.Match(topic) {
			t.Errorf("Selector{}.Match(%q): got true, want false", topic)
		}
	}
	if _, ok := s.Literal(); ok {
		t.Errorf("Selector{}.Literal(): got ok, want not ok")
	}
}

func TestParseSelectors(t *testing.T) {
	t.Parallel()
	got, err := ParseSelectors([]string{"*", "https://a/{id}"})
	if err != nil || len(got) != 2 || got[1].String() != "https://a/{id}" {
		t.Errorf("ParseSelectors: got %v, %v, want 2 selectors", got, err)
	}
	if _, err := ParseSelectors([]string{"*", "{"}); err == nil || !strings.Contains(err.Error(), `"{"`) {
		t.Errorf("ParseSelectors with a bad one: got %v, want an error naming it", err)
	}
}

func BenchmarkSelectorMatch(b *testing.B) {
	for _, bc := range []struct{ name, selector, topic string }{
		{"literal", "https://example.com/matches/1234", "https://example.com/matches/1234"},
		{"template", "https://example.com/matches/{id}", "https://example.com/matches/1234"},
		{"template-miss-prefix", "https://example.com/matches/{id}", "https://example.com/users/1234"},
		{"query", "https://example.com/users/foo/{?topic}", "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1"},
	} {
		s := mustParseSelector(bc.selector)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if !s.Match(bc.topic) && bc.name != "template-miss-prefix" {
					b.Fatal("no match")
				}
			}
		})
	}
}

// BenchmarkSelectorMatchWorstCase matches a long topic against the most
// expensive selector the limits allow.
func BenchmarkSelectorMatchWorstCase(b *testing.B) {
	var sel strings.Builder
	for i := range MaxTemplateExpressions {
		fmt.Fprintf(&sel, "{;a%d,b%d:5}", i, i)
	}
	s := mustParseSelector(sel.String())
	topic := strings.Repeat(";a0=x", 400)
	for b.Loop() {
		s.Match(topic)
	}
}

func BenchmarkParseSelector(b *testing.B) {
	for b.Loop() {
		if _, err := ParseSelector("https://example.com/matches/{id}{?fields*}"); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParseSelector checks that parsing never panics, that a valid
// selector matches itself and reparses from String() to the same kind,
// and that a string without "{" is always a valid literal.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"*", "https://example.com/books/{id}", "{+path}", "{/a,b}", "{?q}", "{a:3}", "{", "{}", "{=x}", "x{;a*,b:2}y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			if s != "" && len(s) <= MaxSelectorLength && !strings.Contains(s, "{") {
				t.Fatalf("ParseSelector(%q): got error %v, want a literal", s, err)
			}
			return
		}
		if !sel.Match(s) {
			t.Errorf("%q.Match(itself): got false, want true", s)
		}
		again, err := ParseSelector(sel.String())
		if err != nil {
			t.Fatalf("reparse %q: got error %v, want none", s, err)
		}
		lit1, ok1 := sel.Literal()
		lit2, ok2 := again.Literal()
		if lit1 != lit2 || ok1 != ok2 || isTemplate(sel) != isTemplate(again) || isAll(sel) != isAll(again) {
			t.Errorf("reparse %q: got a different kind of selector", s)
		}
		if ok1 && lit1 != s {
			t.Errorf("%q.Literal(): got %q, want itself", s, lit1)
		}
	})
}

// FuzzSelectorMatch checks that matching never panics, that a literal
// matches exactly itself, "*" everything, and that a selector reparsed
// from String() matches the same.
func FuzzSelectorMatch(f *testing.F) {
	f.Add("https://example.com/books/{id}", "https://example.com/books/1")
	f.Add("https://example.com/{+path}", "https://example.com/a/b")
	f.Add("{/list*,path:4}", "/red/green/blue/%2Ffoo")
	f.Add("https://example.com/books/1", "https://example.com/books/1")
	f.Add("*", "x")
	f.Fuzz(func(t *testing.T, selector, topic string) {
		sel, err := ParseSelector(selector)
		if err != nil {
			return
		}
		got := sel.Match(topic)
		if again := mustParseSelector(sel.String()); again.Match(topic) != got {
			t.Errorf("%q.Match(%q): got %v, reparsed selector disagrees", selector, topic, got)
		}
		switch lit, ok := sel.Literal(); {
		case isAll(sel) && !got:
			t.Errorf("\"*\".Match(%q): got false, want true", topic)
		case ok && got != (topic == lit):
			t.Errorf("literal %q.Match(%q): got %v, want %v", selector, topic, got, topic == lit)
		}
	})
}

// mustParseSelector is ParseSelector for selectors known to be valid; it
// panics on error.
func mustParseSelector(s string) Selector {
	sel, err := ParseSelector(s)
	if err != nil {
		panic(err)
	}
	return sel
}

// isAll reports whether s is "*", which matches every topic.
func isAll(s Selector) bool { return s.raw == "*" }

// isTemplate reports whether s is a URI template (neither "*" nor literal).
func isTemplate(s Selector) bool { return s.re != nil }
