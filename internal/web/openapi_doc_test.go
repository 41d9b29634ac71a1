package web

import "testing"

func TestOpenAPILoads(t *testing.T) {
	if _, err := loadOpenAPI(); err != nil {
		t.Fatal(err)
	}
}
