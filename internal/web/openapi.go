package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPISource is the API's OpenAPI 3 description, written by hand in
// YAML beside the handlers it describes. Tests walk the router against it
// and check every request they send and every response they get against
// it, so it cannot drift from what the API does.
//
//go:embed openapi.yaml
var openAPISource []byte

// openAPIJSON is the document as JSON, as GET /api/v1/openapi.json serves
// it; loaded and validated once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := loadOpenAPI()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

// loadOpenAPI parses and validates the document.
func loadOpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISource)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// openAPI serves GET /api/v1/openapi.json.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	doc, err := openAPIJSON()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(doc)
	return nil
}
