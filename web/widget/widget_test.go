package widget

import (
	"testing"
)

func TestBuild(t *testing.T) {
	for _, get := range []func() (*Asset, error){Widget, Embed} {
		a, err := get()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d gzipped", a.Name, len(a.Body), len(a.Gzip))
	}
}
