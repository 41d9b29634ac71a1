package widget

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	for _, get := range []func() (*Asset, error){Widget, Embed} {
		a, err := get()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d gzipped", a.Name, len(a.Body), len(a.Gzip))
		again, err := build(strings.SplitN(a.Name, ".", 2)[0])
		if err != nil {
			t.Fatal(err)
		}
		if again.Name != a.Name || !bytes.Equal(again.Body, a.Body) {
			t.Errorf("two builds of %s differ: %s and %s", a.Name, a.Name, again.Name)
		}
		zr, err := gzip.NewReader(bytes.NewReader(a.Gzip))
		if err != nil {
			t.Fatal(err)
		}
		if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, a.Body) {
			t.Errorf("%s: Gzip does not hold Body", a.Name)
		}
	}
	w, _ := Widget()
	body := string(w.Body)
	for _, bad := range []string{"eval(", "new Function", "innerHTML", "document.write", "CSS_TEXT", "console."} {
		if strings.Contains(body, bad) {
			t.Errorf("the widget contains %q", bad)
		}
	}
	if !strings.HasPrefix(body, "(()=>{") {
		t.Errorf("the widget is not one function expression (it would leak names): starts %.20q", body)
	}
}

func TestServe(t *testing.T) {
	a, err := Widget()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		header       http.Header
		status       int
		encoding     string
		wantBodySize int
	}{
		{"plain", nil, 200, "", len(a.Body)},
		{"gzip", http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}}, 200, "gzip", len(a.Gzip)},
		{"gzip refused", http.Header{"Accept-Encoding": {"gzip;q=0, br"}}, 200, "", len(a.Body)},
		{"its ETag", http.Header{"If-None-Match": {a.ETag}}, 304, "", 0},
		{"a list with its weak ETag", http.Header{"If-None-Match": {`"x", W/` + a.ETag}}, 304, "", 0},
		{"another ETag", http.Header{"If-None-Match": {`"x"`}}, 200, "", len(a.Body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/widget.js", nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			a.Serve(w, r, ShortCache)
			if w.Code != tt.status || w.Header().Get("Content-Encoding") != tt.encoding || w.Body.Len() != tt.wantBodySize {
				t.Errorf("got %d, encoding %q, %d bytes; want %d, %q, %d", w.Code, w.Header().Get("Content-Encoding"), w.Body.Len(), tt.status, tt.encoding, tt.wantBodySize)
			}
			if w.Header().Get("ETag") != a.ETag || w.Header().Get("Cache-Control") != ShortCache {
				t.Errorf("ETag %q, Cache-Control %q", w.Header().Get("ETag"), w.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, get := range []func() (*Asset, error){Widget, Embed} {
		a, _ := get()
		if got, err := Lookup(a.Name); err != nil || got != a {
			t.Errorf("Lookup(%q): got %v, %v", a.Name, got, err)
		}
	}
	if _, err := Lookup("widget.000000000000.js"); err != ErrNotFound {
		t.Errorf("Lookup of an old name: got %v, want ErrNotFound", err)
	}
}
