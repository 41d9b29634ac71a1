package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const healthSynopsis = "scoreboard health [--url URL]"

// healthTimeout bounds the probe: a health check that hangs is a failed one.
const healthTimeout = 5 * time.Second

// healthCmd runs `scoreboard health`: it asks the server listening on addr
// (SCOREBOARD_ADDR) for GET /readyz, over HTTPS when tlsOn (when
// SCOREBOARD_TLS_CERT is set), and succeeds only on 200, so that a
// container health check needs nothing but the binary (the image has no
// shell, curl or wget).
func healthCmd(ctx context.Context, addr string, tlsOn bool, args []string, stdout io.Writer) error {
	if addr == "" {
		addr = defaultAddr
	}
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	target := fs.String("url", localURL(addr, tlsOn)+"/readyz", "the readiness URL to probe")
	if help, err := parseFlags(fs, args, healthSynopsis, stdout); help || err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return usageErrorf("--url %q: %v", *target, err)
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: GET %s: %s: %s", *target, resp.Status, body)
	}
	_, err = fmt.Fprintf(stdout, "%s", body)
	return err
}

// healthClient is the probe's client. It does not verify the server's
// certificate: the probe asks a server on this machine whether it is
// ready, by an address (127.0.0.1) that its certificate does not name.
var healthClient = &http.Client{Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
}}

// localURL is the base URL at which this machine reaches a server listening
// on addr (SCOREBOARD_ADDR), https when tlsOn: an unspecified host
// (":8080", "0.0.0.0:8080", "[::]:8080") is reached on loopback.
func localURL(addr string, tlsOn bool) string {
	scheme := "http://"
	if tlsOn {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return scheme + net.JoinHostPort(host, port)
}
