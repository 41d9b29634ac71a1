package hubtest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"
)

// EnvTLS names the environment variable that, set to 1, makes the
// servers of this package serve TLS with HTTP/2 (ALPN h2), their URLs
// https, and Client an HTTP/2 client trusting them: the same tests then
// run over HTTP/2 as a browser speaks it to a server with a certificate.
// The servers still answer plain HTTP/1.1 on the same port (told apart
// by the connection's first byte), so that the tests that speak it by
// hand, to reach the hijacked path, keep doing so.
//
//	SCOREBOARD_TEST_TLS=1 go test ./internal/hub/
const EnvTLS = "SCOREBOARD_TEST_TLS"

// testTLS is the TLS of the servers in EnvTLS mode: httptest's own
// certificate (for 127.0.0.1, ::1 and example.com), taken from a TLS
// server started for that, and a pool that trusts it.
var testTLS = sync.OnceValues(func() (*tls.Config, *x509.CertPool) {
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.StartTLS()
	defer s.Close()
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return &tls.Config{Certificates: s.TLS.Certificates, NextProtos: []string{"h2", "http/1.1"}}, pool
})

var tlsClient = sync.OnceValue(func() *http.Client {
	_, pool := testTLS()
	p := new(http.Protocols)
	p.SetHTTP1(true) // for the plain http:// URLs some tests build
	p.SetHTTP2(true) // preferred over TLS
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: p}}
})

// start starts srv, with TLS beside plain HTTP in EnvTLS mode (its URL
// then https).
func start(srv *httptest.Server) {
	if os.Getenv(EnvTLS) != "1" {
		srv.Start()
		return
	}
	cfg, _ := testTLS()
	srv.Listener = newSniffListener(srv.Listener, cfg)
	srv.Start()
	srv.URL = "https://" + srv.Listener.Addr().String()
}

// sniffListener hands out the connections of l as TLS ones when their
// first byte is a TLS handshake record's (0x16), as they are otherwise.
// Each connection's first byte is awaited in a goroutine of its own, so
// that a client that sends nothing holds up no other.
type sniffListener struct {
	net.Listener
	tls   *tls.Config
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newSniffListener(l net.Listener, cfg *tls.Config) *sniffListener {
	s := &sniffListener{Listener: l, tls: cfg, conns: make(chan net.Conn), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *sniffListener) run() {
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			s.Close()
			return
		}
		go s.sniff(c.(*net.TCPConn))
	}
}

func (s *sniffListener) sniff(c *net.TCPConn) {
	var b [1]byte
	c.SetReadDeadline(time.Now().Add(StreamTimeout))
	if _, err := c.Read(b[:]); err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	var conn net.Conn = &peekedConn{TCPConn: c, first: b[:]}
	if b[0] == 0x16 {
		conn = tls.Server(conn, s.tls)
	}
	select {
	case s.conns <- conn:
	case <-s.done:
		c.Close()
	}
}

// Accept returns the next connection whose first byte has come.
func (s *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

// Close closes the listener.
func (s *sniffListener) Close() error {
	s.once.Do(func() { close(s.done) })
	return s.Listener.Close()
}

// peekedConn is a TCP connection whose first bytes were read already:
// it reads them again first. The embedded *net.TCPConn keeps its other
// methods (SyscallConn, which the hijacked path needs, among them).
type peekedConn struct {
	*net.TCPConn
	first []byte
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.TCPConn.Read(p)
}

// WriteTo hides the TCPConn's, which would skip the bytes read already.
func (c *peekedConn) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, struct{ io.Reader }{c})
}
