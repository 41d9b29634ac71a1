package hub

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// MaxSelectorLength is the longest topic selector, in bytes, that
// ParseSelector accepts: long enough for any real URL or template, short
// enough that a subscriber cannot make the hub compile huge matchers.
const MaxSelectorLength = 2048

// Selector is a parsed topic selector: "*" (every topic), a literal topic,
// or an RFC 6570 URI template (matching a topic the template could expand
// to). The zero Selector matches nothing.
//
// Selectors parsed from the same string behave the same but need not be
// ==; use String() as a map key.
type Selector struct {
	raw string
	// re is nil for "*" and literal topics; compiled on first use.
	re *lazyRegexp
	// prefix is the template's literal text before its first expression,
	// and suffix the literal text after its last: every expansion starts
	// and ends with them, so two cheap tests reject most topics before re
	// runs on what follows the prefix.
	prefix, suffix string
	// inner are the template's literal texts between its expressions,
	// which every expansion holds in this order: a third cheap test.
	inner []string
}

// ParseSelector parses a topic selector. A string without "{" is a literal
// topic (any string, as the spec allows); one with "{" must be a valid
// RFC 6570 URI template, compiled here once so that Match is fast. The
// error says what is wrong with it, e.g.
// `topic selector "https://a/{id": unclosed expression at offset 10: …`.
func ParseSelector(s string) (Selector, error) {
	switch {
	case s == "":
		return Selector{}, fmt.Errorf("topic selector is empty: give a topic, a URI template or \"*\"")
	case len(s) > MaxSelectorLength:
		return Selector{}, fmt.Errorf("topic selector %.40q… is %d bytes long: the limit is %d", s, len(s), MaxSelectorLength)
	case s == "*" || !strings.Contains(s, "{"):
		return Selector{raw: s}, nil
	}
	prefix, pattern, err := templatePattern(s)
	if err != nil {
		return Selector{}, fmt.Errorf("topic selector %q: %w", s, err)
	}
	return Selector{raw: s, re: &lazyRegexp{pattern: pattern}, prefix: prefix, suffix: s[strings.LastIndexByte(s, '}')+1:], inner: innerLiterals(s)}, nil
}

// innerLiterals returns the non-empty literal texts between the
// expressions of the valid template s.
func innerLiterals(s string) []string {
	var inner []string
	i := strings.IndexByte(s, '{')
	for i >= 0 {
		end := i + strings.IndexByte(s[i:], '}') // valid: every "{" is closed
		next := strings.IndexByte(s[end+1:], '{')
		if next < 0 {
			break
		}
		if next > 0 {
			inner = append(inner, s[end+1:end+1+next])
		}
		i = end + 1 + next
	}
	return inner
}

// holdsInOrder reports whether s holds each of parts, in order and
// without overlap.
func holdsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// lazyRegexp is a template's regexp, compiled the first time a topic
// passes the template's literal prefix and suffix: a compiled template
// costs some 16 KB and more while it matches, and templates that no topic
// reaches (those an attacker sends by the thousand) never pay it. The
// pattern was checked by the regexp parser, so compiling does not fail;
// if it did, the template would match nothing rather than panic in a
// dispatch.
type lazyRegexp struct {
	pattern string
	once    sync.Once
	re      *regexp.Regexp // nil if compiling failed
}

// MatchString reports whether s matches, compiling the regexp first if
// this is its first use.
func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re, _ = regexp.Compile(l.pattern) })
	return l.re != nil && l.re.MatchString(s)
}

// String returns the regexp's text.
func (l *lazyRegexp) String() string { return l.pattern }

// ParseSelectors parses each of ss; the error names the first invalid one.
func ParseSelectors(ss []string) ([]Selector, error) {
	out := make([]Selector, 0, len(ss))
	for _, s := range ss {
		sel, err := ParseSelector(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sel)
	}
	return out, nil
}

// String returns the selector as it was given.
func (s Selector) String() string { return s.raw }

// Literal returns the one topic s matches when s is a plain topic (no
// template expression, not "*"), so that dispatch can index it by topic.
func (s Selector) Literal() (topic string, ok bool) {
	if s.raw == "" || s.raw == "*" || s.re != nil {
		return "", false
	}
	return s.raw, true
}

// Match reports whether topic matches s, following the spec's steps: "*"
// matches everything; a selector matches the identical string (so a
// template matches itself, which lets selectors authorize selectors);
// a template matches what one of its expansions could be.
func (s Selector) Match(topic string) bool {
	switch {
	case s.raw == "":
		return false
	case s.raw == "*" || s.raw == topic:
		return true
	case s.re == nil:
		return false
	}
	rest, ok := strings.CutPrefix(topic, s.prefix)
	return ok && strings.HasSuffix(rest, s.suffix) && holdsInOrder(rest, s.inner) && s.re.MatchString(rest)
}

// isTemplate reports whether s is a URI template (not "*", not a topic).
func (s Selector) isTemplate() bool { return s.re != nil }

// literalPrefix is the text every topic s matches starts with ("" for
// "*"); the index files patterns under it.
func (s Selector) literalPrefix() string { return s.prefix }

// literalSuffix is the text every topic s matches ends with, but for the
// template itself ("" for "*" and templates ending with an expression).
func (s Selector) literalSuffix() string { return s.suffix }

// matchesAny reports whether s matches one of topics.
func (s Selector) matchesAny(topics []string) bool {
	for _, t := range topics {
		if s.Match(t) {
			return true
		}
	}
	return false
}

// matchesAny reports whether one of sels matches one of topics: a
// subscriber's selectors an update's topics, or a token's grants a topic.
func matchesAny(sels []Selector, topics ...string) bool {
	for _, s := range sels {
		if s.matchesAny(topics) {
			return true
		}
	}
	return false
}
