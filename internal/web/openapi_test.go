package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestOpenAPICoversTheRouter walks the router and the document: every API
// route is documented, and every documented operation is routed.
func TestOpenAPICoversTheRouter(t *testing.T) {
	t.Parallel()
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	routed := map[string]bool{}
	mux := NewHandler(Deps{Ready: pingFunc(ok)}).(chi.Routes)
	err = chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(route, "/")
		if strings.HasPrefix(route, "/api/v1/") && method != http.MethodOptions {
			routed[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !routed["GET /api/v1/matches/{id}"] || !routed["POST /api/v1/matches/{id}/events"] {
		t.Fatalf("the walk did not find the match routes; it found %v", sortedKeys(routed))
	}
	for _, r := range sortedKeys(routed) {
		if !documented[r] {
			t.Errorf("%s is routed but not in openapi.yaml", r)
		}
	}
	for _, d := range sortedKeys(documented) {
		if !routed[d] {
			t.Errorf("%s is in openapi.yaml but not routed", d)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestOpenAPIServed checks that the document is served as JSON and is the
// OpenAPI 3 document the tests check against.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	got := a.do(req{Method: "GET", Path: "/api/v1/openapi.json"})
	wantStatus(t, "GET /api/v1/openapi.json", got, http.StatusOK)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	got.decode(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Paths["/api/v1/matches/{id}/events"] == nil {
		t.Errorf("served document: got openapi %q with %d paths, want 3.x with the event routes", doc.OpenAPI, len(doc.Paths))
	}
	if got.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("the document is not readable from other sites (no CORS *)")
	}
}
