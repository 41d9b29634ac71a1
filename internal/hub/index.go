package hub

import (
	"cmp"
	"slices"
)

// pattern is one distinct non-literal selector ("*" or a template) and its
// subscribers: it is matched once per update, however many use it.
type pattern struct {
	sel  Selector
	subs map[*subscriber]struct{}
	// mark is the generation of the last visit that matched it, so that
	// an update with several topics visits its subscribers once.
	mark uint64
}

// index finds subscribers by their selectors: literal topics in a map,
// patterns filed under their literal prefix, or, for those that start with
// an expression, under the last byte of their literal suffix. An update
// meets only the patterns whose prefix its topic starts with (one map
// lookup per distinct prefix length, whatever the number of patterns) and
// those whose suffix ends with its topic's last byte: only "*" and
// templates without a literal prefix or suffix meet every topic, and
// those are capped with the others (see Config.MaxTemplates).
type index struct {
	literal  map[string]map[*subscriber]struct{}
	patterns map[string]*pattern // by selector
	byPrefix map[string][]*pattern
	// bySuffix holds the patterns with no literal prefix but a literal
	// suffix, by the suffix's last byte.
	bySuffix map[byte][]*pattern
	// prefixLens holds the distinct lengths of byPrefix's keys, sorted,
	// each with how many keys have it.
	prefixLens []prefixLen
}

type prefixLen struct{ n, keys int }

func newIndex() index {
	return index{
		literal:  make(map[string]map[*subscriber]struct{}),
		patterns: make(map[string]*pattern),
		byPrefix: make(map[string][]*pattern),
		bySuffix: make(map[byte][]*pattern),
	}
}

func (x *index) add(s *subscriber) {
	for _, sel := range s.selectors {
		if topic, ok := sel.Literal(); ok {
			subs := x.literal[topic]
			if subs == nil {
				subs = make(map[*subscriber]struct{})
				x.literal[topic] = subs
			}
			subs[s] = struct{}{}
			continue
		}
		p := x.patterns[sel.String()]
		if p == nil {
			p = &pattern{sel: sel, subs: make(map[*subscriber]struct{})}
			x.patterns[sel.String()] = p
			x.file(p)
		}
		p.subs[s] = struct{}{}
	}
}

// file adds p under its literal prefix (or suffix).
func (x *index) file(p *pattern) {
	prefix := p.sel.literalPrefix()
	if suffix := p.sel.literalSuffix(); prefix == "" && suffix != "" {
		last := suffix[len(suffix)-1]
		x.bySuffix[last] = append(x.bySuffix[last], p)
		return
	}
	ps := x.byPrefix[prefix]
	x.byPrefix[prefix] = append(ps, p)
	if len(ps) > 0 {
		return
	}
	i, found := slices.BinarySearchFunc(x.prefixLens, len(prefix), func(l prefixLen, n int) int { return cmp.Compare(l.n, n) })
	if found {
		x.prefixLens[i].keys++
		return
	}
	x.prefixLens = slices.Insert(x.prefixLens, i, prefixLen{n: len(prefix), keys: 1})
}

// unfile removes p from under its literal prefix (or suffix).
func (x *index) unfile(p *pattern) {
	prefix := p.sel.literalPrefix()
	if suffix := p.sel.literalSuffix(); prefix == "" && suffix != "" {
		last := suffix[len(suffix)-1]
		ps := x.bySuffix[last]
		if i := slices.Index(ps, p); i >= 0 {
			ps = slices.Delete(ps, i, i+1)
		}
		if len(ps) > 0 {
			x.bySuffix[last] = ps
		} else {
			delete(x.bySuffix, last)
		}
		return
	}
	ps := x.byPrefix[prefix]
	if i := slices.Index(ps, p); i >= 0 {
		ps = slices.Delete(ps, i, i+1)
	}
	if len(ps) > 0 {
		x.byPrefix[prefix] = ps
		return
	}
	delete(x.byPrefix, prefix)
	i, found := slices.BinarySearchFunc(x.prefixLens, len(prefix), func(l prefixLen, n int) int { return cmp.Compare(l.n, n) })
	if !found {
		return
	}
	if x.prefixLens[i].keys--; x.prefixLens[i].keys == 0 {
		x.prefixLens = slices.Delete(x.prefixLens, i, i+1)
	}
}

func (x *index) remove(s *subscriber) {
	for _, sel := range s.selectors {
		if topic, ok := sel.Literal(); ok {
			if subs := x.literal[topic]; subs != nil {
				delete(subs, s)
				if len(subs) == 0 {
					delete(x.literal, topic)
				}
			}
			continue
		}
		if p := x.patterns[sel.String()]; p != nil {
			delete(p.subs, s)
			if len(p.subs) == 0 {
				delete(x.patterns, sel.String())
				x.unfile(p)
			}
		}
	}
}

// matching calls fn for each pattern that matches one of topics, once
// per call whatever the number of topics it matches; gen must be new for
// each call.
func (x *index) matching(topics []string, gen uint64, fn func(*pattern) bool) {
	for _, t := range topics {
		if t != "" {
			for _, p := range x.bySuffix[t[len(t)-1]] {
				if p.mark == gen || !p.sel.Match(t) {
					continue
				}
				p.mark = gen
				if !fn(p) {
					return
				}
			}
		}
		for _, l := range x.prefixLens {
			if l.n > len(t) {
				break
			}
			for _, p := range x.byPrefix[t[:l.n]] {
				if p.mark == gen || !p.sel.Match(t) {
					continue
				}
				p.mark = gen
				if !fn(p) {
					return
				}
			}
		}
	}
}

// visit calls fn for each subscriber with a selector that matches one of
// topics (once per matching selector: fn deduplicates); gen must be new
// for each call.
func (x *index) visit(topics []string, gen uint64, fn func(*subscriber)) {
	for _, t := range topics {
		for s := range x.literal[t] {
			fn(s)
		}
	}
	x.matching(topics, gen, func(p *pattern) bool {
		for s := range p.subs {
			fn(s)
		}
		return true
	})
}
