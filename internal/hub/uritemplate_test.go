package hub

import (
	"strings"
	"testing"
)

// rfcExpansions are the expansion examples of RFC 6570 (sections 1.2 and
// 3.2), with its variables: var="value", hello="Hello World!",
// path="/foo/bar", list=(red,green,blue), keys=[(semi,";"),(dot,"."),
// (comma,",")], x="1024", y="768", empty="", undef undefined. Every
// expansion must match its template.
var rfcExpansions = []struct{ template, expansion string }{
	// Level 1.
	{"{var}", "value"},
	{"{hello}", "Hello%20World%21"},
	{"{undef}", ""},
	// Level 2.
	{"{+var}", "value"},
	{"{+hello}", "Hello%20World!"},
	{"{+path}/here", "/foo/bar/here"},
	{"here?ref={+path}", "here?ref=/foo/bar"},
	{"X{#var}", "X#value"},
	{"X{#hello}", "X#Hello%20World!"},
	// Level 3.
	{"map?{x,y}", "map?1024,768"},
	{"{x,hello,y}", "1024,Hello%20World%21,768"},
	{"{+x,hello,y}", "1024,Hello%20World!,768"},
	{"{+path,x}/here", "/foo/bar,1024/here"},
	{"{#x,hello,y}", "#1024,Hello%20World!,768"},
	{"{#path,x}/here", "#/foo/bar,1024/here"},
	{"X{.var}", "X.value"},
	{"X{.x,y}", "X.1024.768"},
	{"X{.undef}", "X"},
	{"{/var}", "/value"},
	{"{/var,x}/here", "/value/1024/here"},
	{"{;x,y}", ";x=1024;y=768"},
	{"{;x,y,empty}", ";x=1024;y=768;empty"},
	{"{?x,y}", "?x=1024&y=768"},
	{"{?x,y,empty}", "?x=1024&y=768&empty="},
	{"{?undef}", ""},
	{"?fixed=yes{&x}", "?fixed=yes&x=1024"},
	{"{&x,y,empty}", "&x=1024&y=768&empty="},
	// Level 4.
	{"{var:3}", "val"},
	{"{var:30}", "value"},
	{"{list}", "red,green,blue"},
	{"{list*}", "red,green,blue"},
	{"{keys}", "semi,%3B,dot,.,comma,%2C"},
	{"{keys*}", "semi=%3B,dot=.,comma=%2C"},
	{"{+path:6}/here", "/foo/b/here"},
	{"{+list}", "red,green,blue"},
	{"{+keys}", "semi,;,dot,.,comma,,"},
	{"{+keys*}", "semi=;,dot=.,comma=,"},
	{"{#path:6}/here", "#/foo/b/here"},
	{"{#list*}", "#red,green,blue"},
	{"{#keys*}", "#semi=;,dot=.,comma=,"},
	{"X{.var:3}", "X.val"},
	{"X{.list}", "X.red,green,blue"},
	{"X{.list*}", "X.red.green.blue"},
	{"X{.keys}", "X.semi,%3B,dot,.,comma,%2C"},
	{"X{.keys*}", "X.semi=%3B.dot=..comma=%2C"},
	{"{/var:1,var}", "/v/value"},
	{"{/list}", "/red,green,blue"},
	{"{/list*}", "/red/green/blue"},
	{"{/list*,path:4}", "/red/green/blue/%2Ffoo"},
	{"{/keys}", "/semi,%3B,dot,.,comma,%2C"},
	{"{/keys*}", "/semi=%3B/dot=./comma=%2C"},
	{"{;hello:5}", ";hello=Hello"},
	{"{;list}", ";list=red,green,blue"},
	{"{;list*}", ";list=red;list=green;list=blue"},
	{"{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"},
	{"{;keys*}", ";semi=%3B;dot=.;comma=%2C"},
	{"{?var:3}", "?var=val"},
	{"{?list}", "?list=red,green,blue"},
	{"{?list*}", "?list=red&list=green&list=blue"},
	{"{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"},
	{"{?keys*}", "?semi=%3B&dot=.&comma=%2C"},
	{"{&var:3}", "&var=val"},
	{"{&list*}", "&list=red&list=green&list=blue"},
	{"{&keys*}", "&semi=%3B&dot=.&comma=%2C"},
	// A prefix counts characters, not percent-encoded bytes.
	{"{q:3}", "%C3%A9t%C3%A9"},
	{"{%20x}", "y"},
}

func TestTemplateMatchesRFCExpansions(t *testing.T) {
	t.Parallel()
	for _, tc := range rfcExpansions {
		t.Run(tc.template, func(t *testing.T) {
			s, err := ParseSelector(tc.template)
			if err != nil {
				t.Fatalf("ParseSelector(%q): got error %v, want none", tc.template, err)
			}
			if !s.Match(tc.expansion) {
				t.Errorf("template %q matching %q: got false, want true (regexp %s)", tc.template, tc.expansion, s.re)
			}
		})
	}
}

func TestTemplateRejectsWhatNoExpansionGives(t *testing.T) {
	t.Parallel()
	tests := []struct{ template, topic string }{
		{"{var}", "a/b"},              // simple expansion encodes "/"
		{"{var}", "a?b"},              // and "?"
		{"{var}", "a#b"},              // and "#"
		{"{var}", "a b"},              // and spaces
		{"{var}", "%zz"},              // not a percent-encoded triplet
		{"{var:3}", "valu"},           // longer than the prefix
		{"{var:3}", "%C3%A9t%C3%A9e"}, // four characters
		{"X{.var}", "X/value"},        // label starts with "."
		{"X{.var}", "Xvalue"},         // missing the operator
		{"{/var}", "value"},           // path starts with "/"
		{"{#var}", "value"},           // fragment starts with "#"
		{"{?x,y}", "?z=1"},            // unknown name
		{"{?x}", "?x"},                // query form always has "="
		{"{?x}", "&x=1"},              // wrong operator
		{"{;x}", ";y=1"},              // unknown name
		{"{&x}", "?x=1"},              // wrong operator
		{"a.b{x}", "aXb"},             // literal "." is not a wildcard
		{"{x}.json", "1.xml"},         // literal suffix
		{"{+path}", "a b"},            // spaces are encoded even when reserved
	}
	for _, tc := range tests {
		t.Run(tc.template+" "+tc.topic, func(t *testing.T) {
			s, err := ParseSelector(tc.template)
			if err != nil {
				t.Fatalf("ParseSelector(%q): got error %v, want none", tc.template, err)
			}
			if s.Match(tc.topic) {
				t.Errorf("template %q matching %q: got true, want false (regexp %s)", tc.template, tc.topic, s.re)
			}
		})
	}
}

func TestTemplateLongPrefixesStaySmall(t *testing.T) {
	t.Parallel()
	// Many long prefixes in one selector must not compile into a huge
	// program: past the budget a prefix matches any length.
	s := strings.Repeat("{a:9999}", MaxTemplateExpressions)
	_, re, err := compileTemplate(s)
	if err != nil {
		t.Fatalf("compileTemplate: got error %v, want none", err)
	}
	if !re.MatchString(strings.Repeat("x", 20000)) {
		t.Errorf("matching 20000 x: got false, want true")
	}
}

// FuzzTemplatePrefilter checks that the cheap tests Match runs before the
// regexp (the literal suffix) and compiling it lazily change nothing:
// Match agrees with the template's regexp compiled at once.
func FuzzTemplatePrefilter(f *testing.F) {
	f.Add("https://example.com/books/{id}", "https://example.com/books/1")
	f.Add("{+v0}{+v1}{/w*}Z00001_00", "https://example.com/Z00001_00")
	f.Add("a{x}b}c", "aqb}c")
	f.Add("{?q,r}#end", "?q=1&r=2#end")
	f.Fuzz(func(t *testing.T, template, topic string) {
		sel, err := ParseSelector(template)
		if err != nil || !isTemplate(sel) {
			return
		}
		prefix, re, err := compileTemplate(template)
		if err != nil {
			t.Fatalf("ParseSelector accepted %q, compileTemplate refused it: %v", template, err)
		}
		rest, ok := strings.CutPrefix(topic, prefix)
		want := topic == template || ok && re.MatchString(rest)
		if got := sel.Match(topic); got != want {
			t.Errorf("%q.Match(%q): got %v, the regexp says %v", template, topic, got, want)
		}
	})
}
