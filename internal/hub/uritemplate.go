package hub

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// This file compiles an RFC 6570 URI template (levels 1 to 4) into a
// regexp that matches every string some expansion of the template could
// produce. Written from the RFC, not from another implementation.
//
// The regexp is deliberately a little generous where exactness would cost
// an exponential pattern: the variables of one expression may appear in
// any order (an expansion keeps their order), and exploded variables match
// any sequence of their parts. It is exact where authorization depends on
// it: a simple or label expansion never matches "/", "?" or "#" (those are
// percent-encoded by the expansion), a named variable must appear by its
// name, and a prefix modifier bounds the value's length.

// templateOp describes one expression operator (RFC 6570, appendix A).
type templateOp struct {
	first    string // written before the first defined variable
	sep      string // written between defined variables
	named    bool   // variables expand as name=value
	ifEmpty  string // written after the name when the value is empty
	reserved bool   // reserved characters pass through unencoded
}

var templateOps = map[byte]templateOp{
	0:   {first: "", sep: ","},
	'+': {first: "", sep: ",", reserved: true},
	'#': {first: "#", sep: ",", reserved: true},
	'.': {first: ".", sep: "."},
	'/': {first: "/", sep: "/"},
	';': {first: ";", sep: ";", named: true},
	'?': {first: "?", sep: "&", named: true, ifEmpty: "="},
	'&': {first: "&", sep: "&", named: true, ifEmpty: "="},
}

// templateVar is one varspec of an expression.
type templateVar struct {
	name    string
	explode bool
	prefix  int // 0: no prefix modifier
}

const (
	// unreservedClass is RFC 3986's unreserved set, as regexp class items.
	unreservedClass = `A-Za-z0-9\-._~`
	// reservedClass is RFC 3986's reserved set (gen-delims and sub-delims).
	reservedClass = `:/?#\[\]@!$&'()*+,;=`
	pctEncoded    = `%[0-9A-Fa-f]{2}`
	// maxPrefixUnits bounds the counted repetitions of prefix modifiers in
	// one template, so that a selector cannot compile into a big program
	// (matching costs the program's size times the topic's length);
	// prefixes beyond it match any length.
	maxPrefixUnits = 100
)

// MaxTemplateExpressions and MaxTemplateVariables are the most
// expressions and variables a URI template topic selector may have. Real
// ones have a few; the bounds keep the cost of matching a subscriber's
// selector small whatever it sends.
const (
	MaxTemplateExpressions = 20
	MaxTemplateVariables   = 40
)

// templateBudget is what a template may still use of the limits above.
type templateBudget struct {
	prefixUnits int
	variables   int
}

// compileTemplate parses the URI template s and returns its literal
// prefix (the text before its first expression) and a regexp matching
// what follows the prefix in an expansion: Match tests the prefix with
// strings.HasPrefix and runs the regexp on the rest only. The error says
// what is wrong and where (offsets are in bytes).
func compileTemplate(s string) (prefix string, re *regexp.Regexp, err error) {
	prefix, pattern, err := templatePattern(s)
	if err != nil {
		return "", nil, err
	}
	re, err = regexp.Compile(pattern)
	if err != nil {
		// Only counted repetitions could fail here; report them plainly.
		return "", nil, fmt.Errorf("template too complex to match: %w", err)
	}
	return prefix, re, nil
}

// templatePattern parses the URI template s and returns its literal
// prefix and the text of the regexp compileTemplate compiles, checked by
// the regexp parser but not compiled: a selector compiles it only when a
// topic first passes its cheap tests (see lazyRegexp).
func templatePattern(s string) (prefix, pattern string, err error) {
	var b strings.Builder
	budget := templateBudget{prefixUnits: maxPrefixUnits, variables: MaxTemplateVariables}
	b.WriteString(`^`)
	i := strings.IndexByte(s, '{')
	if i < 0 {
		i = len(s)
	}
	prefix = s[:i]
	for n := 0; i < len(s); n++ {
		open := strings.IndexByte(s[i:], '{')
		if open < 0 {
			b.WriteString(regexp.QuoteMeta(s[i:]))
			break
		}
		if n == MaxTemplateExpressions {
			return "", "", fmt.Errorf("more than %d expressions (at offset %d): use fewer, or \"{+path}\" for a whole path", MaxTemplateExpressions, i+open)
		}
		b.WriteString(regexp.QuoteMeta(s[i : i+open]))
		start := i + open
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return "", "", fmt.Errorf("unclosed expression at offset %d: add the closing \"}\"", start)
		}
		body := s[start+1 : start+end]
		if nested := strings.IndexByte(body, '{'); nested >= 0 {
			return "", "", fmt.Errorf("unclosed expression at offset %d: \"{\" at offset %d opens another before \"}\"", start, start+1+nested)
		}
		pattern, err := expressionPattern(body, start, &budget)
		if err != nil {
			return "", "", err
		}
		b.WriteString(pattern)
		i = start + end + 1
	}
	b.WriteString(`$`)
	if _, err := syntax.Parse(b.String(), syntax.Perl); err != nil {
		// Only counted repetitions could fail here; report them plainly.
		return "", "", fmt.Errorf("template too complex to match: %w", err)
	}
	return prefix, b.String(), nil
}

// expressionPattern returns the regexp for the expression body (the text
// between "{" and "}") that starts at offset start.
func expressionPattern(body string, start int, budget *templateBudget) (string, error) {
	if body == "" {
		return "", fmt.Errorf("empty expression at offset %d: put a variable name between the braces", start)
	}
	op, ok := templateOps[body[0]]
	list := body
	if ok {
		list = body[1:]
	} else if strings.IndexByte("=,!@|", body[0]) >= 0 {
		return "", fmt.Errorf("unknown operator %q at offset %d: use one of + # . / ; ? &", body[0], start+1)
	} else {
		op = templateOps[0]
	}
	if list == "" {
		return "", fmt.Errorf("expression at offset %d has an operator but no variable", start)
	}
	var vars []templateVar
	offset := start + 1 + len(body) - len(list)
	for spec := range strings.SplitSeq(list, ",") {
		v, err := parseVarspec(spec, offset)
		if err != nil {
			return "", err
		}
		if budget.variables--; budget.variables < 0 {
			return "", fmt.Errorf("more than %d variables (at offset %d): use fewer", MaxTemplateVariables, offset)
		}
		vars = append(vars, v)
		offset += len(spec) + 1
	}
	return op.pattern(vars, budget), nil
}

// parseVarspec parses "name", "name*" or "name:N" found at offset.
func parseVarspec(spec string, offset int) (templateVar, error) {
	v := templateVar{name: spec}
	if name, ok := strings.CutSuffix(spec, "*"); ok {
		v.name, v.explode = name, true
	} else if name, max, ok := strings.Cut(spec, ":"); ok {
		n, err := strconv.Atoi(max)
		if err != nil || n < 1 || n > 9999 || max[0] == '0' {
			return v, fmt.Errorf("invalid prefix %q at offset %d: want a length from 1 to 9999", max, offset+len(name)+1)
		}
		v.name, v.prefix = name, n
	}
	if v.name == "" {
		return v, fmt.Errorf("missing variable name at offset %d", offset)
	}
	if i, bad := invalidVarname(v.name); bad {
		return v, fmt.Errorf("invalid character %q in variable name %q at offset %d: use letters, digits, \"_\", \".\" and %%XX", v.name[i], v.name, offset+i)
	}
	return v, nil
}

// invalidVarname returns the index of the first byte that makes name an
// invalid RFC 6570 varname: varchar *( ["."] varchar ), where varchar is
// ALPHA / DIGIT / "_" / pct-encoded.
func invalidVarname(name string) (int, bool) {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case c == '.' && i > 0 && i < len(name)-1 && name[i-1] != '.':
		case c == '%' && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]):
			i += 2
		default:
			return i, true
		}
	}
	return 0, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// pattern returns the regexp for one expression of op with vars: empty
// (every variable undefined), or op.first followed by the defined
// variables joined by op.sep.
func (op templateOp) pattern(vars []templateVar, budget *templateBudget) string {
	var parts []string
	bounded := false // a prefix part cannot absorb the separators
	for _, v := range vars {
		p := op.varPattern(v, budget)
		if !slices.Contains(parts, p) { // identical branches defeat one-pass matching
			parts = append(parts, p)
		}
		bounded = bounded || v.prefix > 0 && !v.explode
	}
	part := parts[0]
	if len(parts) > 1 {
		part = "(?:" + strings.Join(parts, "|") + ")"
	}
	first := regexp.QuoteMeta(op.first)
	if !op.named && !bounded && (op.sep == "," || op.sep == ".") {
		// Every part already matches the separator (simple, reserved and
		// fragment values hold ","; label values hold "."), so one part
		// matches the whole list.
		if first == "" {
			return part // matches the empty expansion already; a "?" would make the regexp ambiguous
		}
		return "(?:" + first + part + ")?"
	}
	return "(?:" + first + part + "(?:" + regexp.QuoteMeta(op.sep) + part + ")*)?"
}

// varPattern returns the regexp for the expansion of one defined variable.
func (op templateOp) varPattern(v templateVar, budget *templateBudget) string {
	char := op.charClass("")
	switch {
	case v.explode:
		// A list expands to its items joined by sep (named: each as
		// name=item); an associative array to key=value pairs.
		return op.charClass("="+op.sep) + "*"
	case v.prefix > 0:
		// A prefix counts characters; a percent-encoded one is a UTF-8
		// lead byte and up to three continuation bytes.
		if v.prefix > budget.prefixUnits {
			return op.named0(v.name, char+"*")
		}
		budget.prefixUnits -= v.prefix
		unit := "(?:" + char + "(?:%[89ABab][0-9A-Fa-f]){0,3})"
		return op.named0(v.name, fmt.Sprintf("%s{0,%d}", unit, v.prefix))
	default:
		// A string, or a list or associative array joined by ",".
		return op.named0(v.name, op.charClass(",")+"*")
	}
}

// named0 prefixes value with the variable's name for named operators.
func (op templateOp) named0(name, value string) string {
	if !op.named {
		return value
	}
	name = regexp.QuoteMeta(name)
	if op.ifEmpty == "" {
		return name + "(?:=" + value + ")?"
	}
	return name + "=" + value
}

// charClass returns a regexp matching one character (or percent-encoded
// triplet) an expansion of op may write, plus the extra characters.
func (op templateOp) charClass(extra string) string {
	class := unreservedClass
	if op.reserved {
		class += reservedClass
	}
	for _, c := range extra {
		class += `\` + string(c) // extra holds only punctuation
	}
	return "(?:[" + class + "]|" + pctEncoded + ")"
}
