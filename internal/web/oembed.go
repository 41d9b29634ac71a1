package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
)

// maxOEmbedURL bounds the url parameter of GET /oembed: longer than any
// page of this server.
const maxOEmbedURL = 2048

// oembedDoc is an oEmbed "rich" response (oEmbed 1.0, section 2.3.4).
type oembedDoc struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	CacheAge     int    `json:"cache_age"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// oembedURL is the oEmbed endpoint's URL for a page of this server.
func (s *server) oembedURL(page string) string {
	return s.publicURL + "/oembed?format=json&url=" + url.QueryEscape(page)
}

// oembed serves GET /oembed?url=…&format=json&maxwidth=&maxheight=: for a
// match page (/matches/{id}) or a competition page (/competitions/{slug})
// of this server, an iframe of its embed page. 501 for a format other
// than json, 404 for a URL that is not such a page, 400 for a missing or
// too long url and bad sizes.
func (s *server) oembed(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	q := r.URL.Query()
	raw := q.Get("url")
	switch {
	case raw == "":
		return match.Errorf(match.EINVALID, "url is required: the address of a match or competition page of this server")
	case len(raw) > maxOEmbedURL:
		return match.Errorf(match.EINVALID, "url is %d bytes long; at most %d", len(raw), maxOEmbedURL)
	}
	if f := q.Get("format"); f != "" && f != "json" {
		return match.Errorf(match.EUNSUPPORTED, "format=%.20q is not supported; this server answers format=json", f)
	}
	maxW, err := queryInt(r, "maxwidth", 0, 1, 10000)
	if err != nil {
		return err
	}
	maxH, err := queryInt(r, "maxheight", 0, 1, 10000)
	if err != nil {
		return err
	}
	src, title, height, err := s.oembedTarget(r, raw)
	if err != nil {
		return err
	}
	width := 480
	if maxW > 0 {
		width = min(width, maxW)
	}
	if maxH > 0 {
		height = min(height, maxH)
	}
	return writePublic(w, r, oembedDoc{
		Version: "1.0", Type: "rich", Title: title, ProviderName: "scoreboard", ProviderURL: s.publicURL,
		CacheAge: 60, Width: width, Height: height,
		HTML: fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" title="%s" style="border:0;max-width:100%%" loading="lazy"></iframe>`,
			html.EscapeString(src), width, height, html.EscapeString(title)),
	})
}

// oembedTarget returns the embed page, title and height of the page at
// raw, a URL of this server. Returns ENOTFOUND.
func (s *server) oembedTarget(r *http.Request, raw string) (src, title string, height int, err error) {
	kind, ref, ok := parseOEmbedURL(s.publicURL, raw)
	if !ok {
		return "", "", 0, match.Errorf(match.ENOTFOUND, "no oEmbed for that url: this server embeds its match and competition pages, %s/matches/ID and %s/competitions/SLUG", s.publicURL, s.publicURL)
	}
	if kind == "matches" {
		id, _ := strconv.ParseInt(ref, 10, 64)
		m, err := s.store.Match(r.Context(), id)
		if err != nil {
			return "", "", 0, err
		}
		return fmt.Sprintf("%s/embed/matches/%d", s.publicURL, id), m.Home.Name + " – " + m.Away.Name, 200, nil
	}
	c, err := s.competitionByRef(r.Context(), ref)
	if err != nil {
		return "", "", 0, err
	}
	return s.publicURL + "/embed/competitions/" + url.PathEscape(c.Slug), c.Name, 360, nil
}

// parseOEmbedURL reads raw as a page of the server at publicURL: kind
// "matches" with a positive id, or "competitions" with a slug or id; ok
// is false for anything else.
func parseOEmbedURL(publicURL, raw string) (kind, ref string, ok bool) {
	u, err := url.Parse(raw)
	base, berr := url.Parse(publicURL)
	if err != nil || berr != nil || u.Host == "" || !strings.EqualFold(u.Host, base.Host) || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(u.Path, strings.TrimRight(base.Path, "/")+"/")
	if !ok {
		return "", "", false
	}
	kind, ref, _ = strings.Cut(rest, "/")
	switch {
	case ref == "" || strings.Contains(ref, "/"):
		return "", "", false
	case kind == "matches":
		id, err := strconv.ParseInt(ref, 10, 64)
		return kind, ref, err == nil && id > 0
	case kind == "competitions":
		return kind, ref, true
	}
	return "", "", false
}
