package web

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseOEmbedURL(t *testing.T) {
	const base = "https://scores.example.org"
	tests := []struct {
		raw       string
		kind, ref string
		ok        bool
	}{
		{base + "/matches/42", "matches", "42", true},
		{"http://SCORES.example.org/matches/42?x=1#y", "matches", "42", true},
		{base + "/competitions/ligue-1", "competitions", "ligue-1", true},
		{base + "/matches/0", "", "", false},
		{base + "/matches/-1", "", "", false},
		{base + "/matches/42/events", "", "", false},
		{base + "/matches/", "", "", false},
		{base + "/admin", "", "", false},
		{base + "/widget.js", "", "", false},
		{"https://elsewhere.example/matches/42", "", "", false},
		{"ftp://scores.example.org/matches/42", "", "", false},
		{"/matches/42", "", "", false},
		{"%zz", "", "", false},
	}
	for _, tt := range tests {
		kind, ref, ok := parseOEmbedURL(base, tt.raw)
		if ok != tt.ok || (ok && (kind != tt.kind || ref != tt.ref)) {
			t.Errorf("parseOEmbedURL(%q): got %q %q %v, want %q %q %v", tt.raw, kind, ref, ok, tt.kind, tt.ref, tt.ok)
		}
	}
	if _, _, ok := parseOEmbedURL("https://scores.example.org/sb", "https://scores.example.org/sb/matches/7"); !ok {
		t.Error("a server under a path: its match page is not recognised")
	}
}

func FuzzParseOEmbedURL(f *testing.F) {
	for _, s := range []string{"https://s.example/matches/1", "https://s.example/competitions/x", "http://s.example//matches/1", "https://s.example/matches/1%2F2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		kind, ref, ok := parseOEmbedURL("https://s.example", raw)
		if !ok {
			return
		}
		if ref == "" || strings.Contains(ref, "/") {
			t.Fatalf("parseOEmbedURL(%q): ref %q", raw, ref)
		}
		switch kind {
		case "matches":
			if id, err := strconv.ParseInt(ref, 10, 64); err != nil || id <= 0 {
				t.Fatalf("parseOEmbedURL(%q): match ref %q is not an id", raw, ref)
			}
		case "competitions":
		default:
			t.Fatalf("parseOEmbedURL(%q): kind %q", raw, kind)
		}
	})
}
