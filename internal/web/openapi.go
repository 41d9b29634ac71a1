package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the API's OpenAPI 3 description, served as it is; tests
// check every route against it and every request and response they make.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves GET /api/v1/openapi.json.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
	return nil
}
