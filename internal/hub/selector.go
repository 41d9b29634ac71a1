package hub

import "errors"

// TODO(hub-auth helper): implement. These signatures are the contract.

// Selector is a parsed topic selector: "*" (every topic), a literal topic,
// or an RFC 6570 URI template (matching a topic the template could expand to).
type Selector struct {
	raw string
}

// ParseSelector parses a topic selector. The error says what is wrong with it.
func ParseSelector(s string) (Selector, error) {
	return Selector{raw: s}, errors.New("not implemented")
}

// String returns the selector as it was given.
func (s Selector) String() string { return s.raw }

// Literal returns the one topic s matches when s is a plain topic (no
// template expression, not "*"), so that dispatch can index it by topic.
func (s Selector) Literal() (topic string, ok bool) { return "", false }

// Match reports whether topic matches s.
func (s Selector) Match(topic string) bool { return false }
