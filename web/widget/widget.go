// Package widget builds and serves the embeddable widget: the plain
// JavaScript in src/ (custom elements in a Shadow DOM, see src/widget.js),
// minified with esbuild's Go API when the server starts, so that nobody
// needs Node.js to build or run it. The scripts are served from memory
// with strong ETags, gzipped for clients that take it, under two names:
// /widget.js, cached briefly so that sites pick up a new version within
// minutes, and /widget.<hash>.js, named by its content and cached forever,
// which a snippet can pin with Subresource Integrity (Asset.Integrity).
package widget

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

//go:embed src
var src embed.FS

// Asset is one built script.
type Asset struct {
	// Name is its content-hashed name, such as "widget.1a2b3c4d5e6f.js".
	Name string
	// Body is the minified script and Gzip the same, gzipped.
	Body, Gzip []byte
	// ETag is the strong entity tag of Body.
	ETag string
	// Integrity is its Subresource Integrity value ("sha384-…") for a
	// script tag's integrity attribute.
	Integrity string
}

// Cache-Control of the two names of a script.
const (
	ShortCache     = "public, max-age=300"
	ImmutableCache = "public, max-age=31536000, immutable"
)

// target is the oldest browsers the widget runs in: custom elements,
// constructable stylesheets and container queries are in all of them.
var target = []api.Engine{
	{Name: api.EngineChrome, Version: "111"},
	{Name: api.EngineFirefox, Version: "110"},
	{Name: api.EngineSafari, Version: "16.4"},
}

var (
	widgetOnce = sync.OnceValues(func() (*Asset, error) { return build("widget") })
	embedOnce  = sync.OnceValues(func() (*Asset, error) { return build("embed") })
)

// Widget returns the widget script, built once: the custom elements
// <scoreboard-match> and <scoreboard-matches>.
func Widget() (*Asset, error) { return widgetOnce() }

// Embed returns the embed page's script, built once: it reports the page's
// height to the page that frames it.
func Embed() (*Asset, error) { return embedOnce() }

// build bundles src/<name>.js, reading imports from the embedded sources.
func build(name string) (*Asset, error) {
	css, err := minifyCSS()
	if err != nil {
		return nil, err
	}
	cssJSON, err := json.Marshal(css)
	if err != nil {
		return nil, fmt.Errorf("widget: encode css: %w", err)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{"src/" + name + ".js"},
		Bundle:            true,
		Write:             false,
		Format:            api.FormatIIFE,
		Engines:           target,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Define:            map[string]string{"CSS_TEXT": string(cssJSON)},
		Plugins:           []api.Plugin{embedded},
		Outfile:           name + ".js",
	})
	if err := buildError(name, res.Errors); err != nil {
		return nil, err
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("widget: build %s: got %d output files, want 1", name, len(res.OutputFiles))
	}
	return newAsset(name, res.OutputFiles[0].Contents)
}

// embedded resolves every path under src/ and loads it from the embedded
// sources, never from the disk: the binary builds the widget wherever it
// runs.
var embedded = api.Plugin{
	Name: "embedded",
	Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if a.Importer != "" {
				p = path.Join(path.Dir(a.Importer), a.Path)
			}
			return api.OnResolveResult{Path: path.Clean(p), Namespace: "embedded"}, nil
		})
		b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "embedded"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			b, err := src.ReadFile(a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(b)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	},
}

// minifyCSS returns src/style.css minified.
func minifyCSS() (string, error) {
	b, err := src.ReadFile("src/style.css")
	if err != nil {
		return "", fmt.Errorf("widget: %w", err)
	}
	res := api.Transform(string(b), api.TransformOptions{
		Loader: api.LoaderCSS, Engines: target, MinifyWhitespace: true, MinifySyntax: true,
		LegalComments: api.LegalCommentsNone, Charset: api.CharsetUTF8,
	})
	if err := buildError("style.css", res.Errors); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.Code)), nil
}

func buildError(name string, msgs []api.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	lines := api.FormatMessages(msgs, api.FormatMessagesOptions{Kind: api.ErrorMessage})
	return fmt.Errorf("widget: build %s: %s", name, strings.Join(lines, "\n"))
}

// newAsset names, gzips and hashes body.
func newAsset(name string, body []byte) (*Asset, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:6])
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("widget: gzip %s: %w", name, err)
	}
	sri := sha512.Sum384(body)
	return &Asset{
		Name: name + "." + hash + ".js", Body: body, Gzip: gz.Bytes(),
		ETag:      `"` + hex.EncodeToString(sum[:16]) + `"`,
		Integrity: "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
	}, nil
}

// Serve writes a as a script with cacheControl: 304 when If-None-Match
// names its ETag, gzipped when the client accepts gzip. Any site may load
// it, with or without crossorigin (which Subresource Integrity needs).
func (a *Asset) Serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("ETag", a.ETag)
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(r.Header.Get("If-None-Match"), a.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	body := a.Body
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = a.Gzip
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) // a failed write means the client left
	}
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison) or is "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip (and
// does not refuse it with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// ErrNotFound is what Lookup returns for a name that is no built script.
var ErrNotFound = errors.New("widget: no such script")

// Lookup returns the built script named name ("widget.1a2b3c4d5e6f.js").
func Lookup(name string) (*Asset, error) {
	for _, get := range []func() (*Asset, error){Widget, Embed} {
		a, err := get()
		if err != nil {
			return nil, err
		}
		if a.Name == name {
			return a, nil
		}
	}
	return nil, ErrNotFound
}
