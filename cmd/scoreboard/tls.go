package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// maxConcurrentStreams is how many streams (requests, event streams
// among them) one HTTP/2 connection may hold open at once, the
// SETTINGS_MAX_CONCURRENT_STREAMS the server advertises: a bound on what
// one anonymous connection may cost. A client that wants more opens more
// connections, and the hub's per-address cap counts their subscriptions
// together. 100 is the smallest value RFC 9113 (5.1.2) recommends, and
// more than a fan's tabs need (browsers open one connection per site);
// net/http's own default is 250.
const maxConcurrentStreams = 100

// certCheckInterval is how often the certificate and key files are
// checked for a change (a renewal that sends no SIGHUP).
const certCheckInterval = time.Minute

// siteProtocols are the protocols of the main listener: HTTP/1.1, and
// HTTP/2 over TLS when it has TLS, or cleartext HTTP/2 (with prior
// knowledge, as proxies speak it) when h2c is asked for.
func siteProtocols(c config) *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(c.TLSCert != "")
	p.SetUnencryptedHTTP2(c.H2C)
	return p
}

// http2Config is the HTTP/2 servers' configuration: the stream bound, the
// rest net/http's defaults (1 MB of receive buffer per connection and per
// stream, 4 KB header tables; header lists bounded as HTTP/1.1's by
// http.DefaultMaxHeaderBytes).
func http2Config() *http.HTTP2Config {
	return &http.HTTP2Config{MaxConcurrentStreams: maxConcurrentStreams}
}

// certificate is the TLS certificate served from SCOREBOARD_TLS_CERT and
// SCOREBOARD_TLS_KEY. It is read at start and again on reload (SIGHUP, or a
// change of either file), so that a renewed certificate is served without
// a restart; a reload that fails keeps the certificate served so far.
type certificate struct {
	certFile, keyFile string
	logger            *slog.Logger
	cur               atomic.Pointer[tls.Certificate]
	// stamp is the files' sizes and modification times when last read,
	// compared by reloadIfChanged; only the watching goroutine uses it.
	stamp string
}

// loadCertificate reads the pair, or says which file it could not use.
func loadCertificate(certFile, keyFile string, logger *slog.Logger) (*certificate, error) {
	c := &certificate{certFile: certFile, keyFile: keyFile, logger: logger}
	c.stamp = c.fileStamp()
	pair, err := c.read()
	if err != nil {
		return nil, err
	}
	c.cur.Store(pair)
	return c, nil
}

// read reads and parses the two files; its errors name the file, and the
// variable that set it.
func (c *certificate) read() (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(c.certFile)
	if err != nil {
		return nil, fmt.Errorf("SCOREBOARD_TLS_CERT: read the certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("SCOREBOARD_TLS_KEY: read the private key: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("SCOREBOARD_TLS_CERT %s and SCOREBOARD_TLS_KEY %s: %w; give a PEM certificate chain and the PEM private key it was issued for", c.certFile, c.keyFile, err)
	}
	return &pair, nil
}

// tlsConfig serves the current certificate to every handshake.
func (c *certificate) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}

// reload reads the files again and serves what they hold from the next
// handshake on; on an error it logs it and keeps the certificate served
// so far.
func (c *certificate) reload(ctx context.Context, why string) error {
	c.stamp = c.fileStamp()
	pair, err := c.read()
	if err != nil {
		c.logger.ErrorContext(ctx, "TLS certificate not reloaded: still serving the previous one", "reason", why, "err", err)
		return err
	}
	c.cur.Store(pair)
	c.logger.InfoContext(ctx, "TLS certificate reloaded", "reason", why, "cert_file", c.certFile, "not_after", pair.Leaf.NotAfter)
	return nil
}

// reloadIfChanged reloads when either file's size or modification time
// changed since it was last read.
func (c *certificate) reloadIfChanged(ctx context.Context) {
	if c.fileStamp() != c.stamp {
		c.reload(ctx, "file changed")
	}
}

func (c *certificate) fileStamp() string {
	var s string
	for _, name := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(name); err == nil {
			s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return s
}

// watch reloads on every signal from hup, and when the files change,
// until ctx is done.
func (c *certificate) watch(ctx context.Context, hup <-chan os.Signal) {
	tick := time.NewTicker(certCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			c.reload(ctx, "SIGHUP")
		case <-tick.C:
			c.reloadIfChanged(ctx)
		}
	}
}
