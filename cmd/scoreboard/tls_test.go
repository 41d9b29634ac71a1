package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a self-signed ECDSA certificate for 127.0.0.1 named
// name, and its key, to cert.pem and key.pem in dir (replacing what is
// there), and returns the files and the certificate.
func writeCert(t *testing.T, dir, name string) (certFile, keyFile string, leaf *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, f := range []struct {
		name, kind string
		der        []byte
	}{{certFile, "CERTIFICATE", der}, {keyFile, "PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(f.name, pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, leaf
}

// tlsClient trusts leaf only and speaks the protocols that set sets.
func tlsClient(leaf *x509.Certificate, set func(*http.Protocols)) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	p := new(http.Protocols)
	set(p)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: p}}
}

// servedCert returns the certificate that a TLS handshake with addr
// presents.
func servedCert(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

// TestServeTLS serves HTTPS from a certificate and key file: HTTP/2 for
// the API and an event stream that receives a published update, HTTP/1.1
// over TLS too (on net/http's path: a TLS connection is never hijacked),
// the metrics listener in plain HTTP, `scoreboard health` over HTTPS, and
// a renewed certificate served after SIGHUP.
//
// Not parallel: it sends SIGHUP to the test process, which only a
// server with TLS may be listening for meanwhile.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, first := writeCert(t, dir, "first")
	vars := sqliteEnv(t, "SCOREBOARD_TLS_CERT", certFile, "SCOREBOARD_TLS_KEY", keyFile, "SCOREBOARD_METRICS_ADDR", "127.0.0.1:0")
	srv := startServe(t, vars)
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("got URL %s, want https", srv.URL)
	}
	r := runCmd(t, vars, "", "token", "hub", "--publish", "*")
	if r.err != nil {
		t.Fatalf("token hub: %v", r.err)
	}
	token := strings.TrimSpace(r.stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	h2 := tlsClient(first, func(p *http.Protocols) { p.SetHTTP2(true) })
	if resp := getVia(t, ctx, h2, srv.URL+"/healthz", nil); resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: got %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
	h1 := tlsClient(first, func(p *http.Protocols) { p.SetHTTP1(true) })
	const topic = "https://example.org/tls"
	hubURL := srv.URL + "/.well-known/mercure"
	over2 := subscribeVia(t, ctx, h2, hubURL+"?topic="+url.QueryEscape(topic), nil)
	over1 := subscribeVia(t, ctx, h1, hubURL+"?topic="+url.QueryEscape(topic), nil)
	if over2.Resp.ProtoMajor != 2 || over1.Resp.ProtoMajor != 1 {
		t.Fatalf("streams: got %s and %s, want HTTP/2 and HTTP/1.1", over2.Resp.Proto, over1.Resp.Proto)
	}
	id := publishVia(t, h2, hubURL, token, url.Values{"topic": {topic}, "data": {"over TLS"}})
	for _, s := range []struct {
		name string
		e    string
	}{{"HTTP/2", over2.Next(t).ID}, {"HTTP/1.1 over TLS", over1.Next(t).ID}} {
		if s.e != id {
			t.Errorf("%s stream: got event %q, want %q", s.name, s.e, id)
		}
	}

	if status, body := httpGet(t, srv.MetricsURL+"/metrics"); status != http.StatusOK || !strings.Contains(body, "\nhub_subscribers 2\n") {
		t.Errorf("GET /metrics in plain HTTP: got %d, want 200 with hub_subscribers 2 in:\n%s", status, body)
	}
	addr := strings.TrimPrefix(srv.URL, "https://")
	health := map[string]string{"SCOREBOARD_ADDR": addr, "SCOREBOARD_TLS_CERT": certFile}
	if r := runCmd(t, health, "", "health"); r.err != nil || strings.TrimSpace(r.stdout) != "ok" {
		t.Errorf("health over HTTPS: got %v, stdout %q; want success and ok", r.err, r.stdout)
	}

	// A renewal: new files, then SIGHUP, as certbot's deploy hook would.
	_, _, second := writeCert(t, dir, "second")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second) // a bound, not an assertion of speed
	for servedCert(t, addr).SerialNumber.Cmp(second.SerialNumber) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP: the server still presents the first certificate; log:\n%s", srv.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(srv.log.String(), "TLS certificate reloaded") {
		t.Errorf("the reload was not logged; log:\n%s", srv.log)
	}
	if err := srv.stop(); err != nil {
		t.Errorf("stop with streams over TLS open: got %v, want nil", err)
	}
	over2.Ended(t)
}

// TestServeH2C serves cleartext HTTP/2 beside HTTP/1.1 with
// SCOREBOARD_H2C, as behind a proxy that terminates TLS.
func TestServeH2C(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t, "SCOREBOARD_H2C", "1")
	srv := startServe(t, vars)
	r := runCmd(t, vars, "", "token", "hub", "--publish", "*")
	if r.err != nil {
		t.Fatalf("token hub: %v", r.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: p}}
	const topic = "https://example.org/h2c"
	hubURL := srv.URL + "/.well-known/mercure"
	s := subscribeVia(t, ctx, h2c, hubURL+"?topic="+url.QueryEscape(topic), nil)
	if s.Resp.ProtoMajor != 2 {
		t.Fatalf("stream: got %s, want HTTP/2", s.Resp.Proto)
	}
	id := publishVia(t, h2c, hubURL, strings.TrimSpace(r.stdout), url.Values{"topic": {topic}})
	if e := s.Next(t); e.ID != id {
		t.Errorf("got event %q, want %q", e.ID, id)
	}
	if status, _ := httpGet(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz over HTTP/1.1 beside h2c: got %d, want 200", status)
	}
	if got := advertisedMaxStreams(t, dial(t, strings.TrimPrefix(srv.URL, "http://"))); got != maxConcurrentStreams {
		t.Errorf("h2c SETTINGS_MAX_CONCURRENT_STREAMS: got %d, want %d", got, maxConcurrentStreams)
	}
}

// TestTLSSettingErrors checks the TLS settings' refusals: exit status 2
// and a message naming the variable, or the file.
func TestTLSSettingErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, _ := writeCert(t, dir, "good")
	otherDir := t.TempDir()
	_, otherKey, _ := writeCert(t, otherDir, "other")
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"certificate without key", []string{"SCOREBOARD_TLS_CERT", certFile}, []string{"SCOREBOARD_TLS_CERT is set but SCOREBOARD_TLS_KEY is not"}},
		{"key without certificate", []string{"SCOREBOARD_TLS_KEY", keyFile}, []string{"SCOREBOARD_TLS_KEY is set but SCOREBOARD_TLS_CERT is not"}},
		{"h2c with TLS", []string{"SCOREBOARD_TLS_CERT", certFile, "SCOREBOARD_TLS_KEY", keyFile, "SCOREBOARD_H2C", "1"}, []string{"SCOREBOARD_H2C: cleartext HTTP/2 is for a listener without TLS"}},
		{"bad h2c", []string{"SCOREBOARD_H2C", "maybe"}, []string{`SCOREBOARD_H2C: "maybe" is not a boolean`}},
		{"unreadable certificate", []string{"SCOREBOARD_TLS_CERT", missing, "SCOREBOARD_TLS_KEY", keyFile}, []string{"SCOREBOARD_TLS_CERT: read the certificate", missing}},
		{"unreadable key", []string{"SCOREBOARD_TLS_CERT", certFile, "SCOREBOARD_TLS_KEY", missing}, []string{"SCOREBOARD_TLS_KEY: read the private key", missing}},
		{"key of another certificate", []string{"SCOREBOARD_TLS_CERT", certFile, "SCOREBOARD_TLS_KEY", otherKey}, []string{certFile, otherKey, "private key does not match public key"}},
		{"key as certificate", []string{"SCOREBOARD_TLS_CERT", keyFile, "SCOREBOARD_TLS_KEY", keyFile}, []string{keyFile, "certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, sqliteEnv(t, tt.env...), "", "serve")
			if r.err == nil {
				t.Fatal("serve: got no error, want exit status 2")
			}
			if got := exitCode(r.err); got != 2 {
				t.Errorf("exit status: got %d (%v), want 2", got, r.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("message: got %q, want it to contain %q", r.err, w)
				}
			}
		})
	}
}

// TestCertificateReload checks the reloads that serve's watch makes: a
// changed file is read again; one that no longer parses leaves the
// certificate served so far, and says why.
func TestCertificateReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, first := writeCert(t, dir, "first")
	var log strings.Builder
	c, err := loadCertificate(certFile, keyFile, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	get := c.tlsConfig().GetCertificate
	served := func() *x509.Certificate {
		pair, err := get(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return pair.Leaf
	}
	if !served().Equal(first) {
		t.Fatal("loaded: got another certificate than the file's")
	}
	c.reloadIfChanged(context.Background())
	if strings.Contains(log.String(), "reloaded") {
		t.Errorf("files unchanged: got a reload logged:\n%s", log.String())
	}
	_, _, second := writeCert(t, dir, "second")
	c.reloadIfChanged(context.Background())
	if !served().Equal(second) {
		t.Fatalf("files changed: still serving the first certificate; log:\n%s", log.String())
	}
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.reload(context.Background(), "test"); err == nil || !strings.Contains(err.Error(), certFile) {
		t.Errorf("reload of a broken file: got %v, want an error naming %s", err, certFile)
	}
	if !served().Equal(second) {
		t.Error("after a failed reload: got another certificate, want the second kept")
	}
	if !strings.Contains(log.String(), "still serving the previous one") {
		t.Errorf("the failed reload was not logged:\n%s", log.String())
	}
}
