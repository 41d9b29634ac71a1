package main

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeHTTP2StreamBound checks the bound on the streams of one HTTP/2
// connection: what the server advertises, and a stream past it refused.
func TestServeHTTP2StreamBound(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := writeCert(t, t.TempDir(), "bound")
	srv := startServe(t, sqliteEnv(t, "SCOREBOARD_TLS_CERT", certFile, "SCOREBOARD_TLS_KEY", keyFile))
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", strings.TrimPrefix(srv.URL, "https://"),
		&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN: got %q, want h2", p)
	}
	if got := advertisedMaxStreams(t, c); got != maxConcurrentStreams {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS: got %d, want %d", got, maxConcurrentStreams)
	}
	// Open that many event streams and one more on this connection: the
	// one more is reset, with PROTOCOL_ERROR or REFUSED_STREAM (RFC 9113,
	// 5.1.2; net/http says the second while the client has not
	// acknowledged its SETTINGS, as here).
	for i := range maxConcurrentStreams + 1 {
		writeHeaders(t, c, uint32(2*i+1))
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound on the test, not an assertion
	for {
		typ, stream, payload := readFrame(t, c)
		if typ != frameRSTStream {
			continue
		}
		const protocolError, refusedStream = 0x1, 0x7
		code := binary.BigEndian.Uint32(payload)
		if want := uint32(2*maxConcurrentStreams + 1); stream != want || (code != protocolError && code != refusedStream) {
			t.Fatalf("got RST_STREAM on stream %d with code %d, want stream %d refused (1 or 7)", stream, code, want)
		}
		return
	}
}

// HTTP/2 by hand (RFC 9113), the little the stream bound's tests need.
const (
	frameHeaders   = 0x1
	frameRSTStream = 0x3
	frameSettings  = 0x4
)

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// advertisedMaxStreams sends the client preface on c and returns the
// SETTINGS_MAX_CONCURRENT_STREAMS of the server's first SETTINGS frame
// (0 when it sets none).
func advertisedMaxStreams(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"); err != nil {
		t.Fatal(err)
	}
	typ, _, payload := readFrame(t, c)
	if typ != frameSettings {
		t.Fatalf("server's first frame: got type %d, want SETTINGS", typ)
	}
	for ; len(payload) >= 6; payload = payload[6:] {
		if binary.BigEndian.Uint16(payload) == 0x3 {
			return binary.BigEndian.Uint32(payload[2:])
		}
	}
	return 0
}

// readFrame reads one frame from c.
func readFrame(t *testing.T, c net.Conn) (typ byte, stream uint32, payload []byte) {
	t.Helper()
	var h [9]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatalf("read a frame header: %v", err)
	}
	payload = make([]byte, int(h[0])<<16|int(h[1])<<8|int(h[2]))
	if _, err := io.ReadFull(c, payload); err != nil {
		t.Fatalf("read a frame: %v", err)
	}
	return h[3], binary.BigEndian.Uint32(h[5:]) &^ (1 << 31), payload
}

// writeHeaders opens stream id with a subscribe request, its header block
// in HPACK literals without indexing or Huffman coding.
func writeHeaders(t *testing.T, c net.Conn, id uint32) {
	t.Helper()
	var block []byte
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "127.0.0.1"}, {":path", "/.well-known/mercure?topic=bound"}} {
		block = append(block, 0x00, byte(len(f[0])))
		block = append(block, f[0]...)
		block = append(block, byte(len(f[1])))
		block = append(block, f[1]...)
	}
	const endStreamEndHeaders = 0x1 | 0x4
	frame := []byte{byte(len(block) >> 16), byte(len(block) >> 8), byte(len(block)), frameHeaders, endStreamEndHeaders, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(frame[5:], id)
	if _, err := c.Write(append(frame, block...)); err != nil {
		t.Fatalf("open stream %d: %v", id, err)
	}
}
