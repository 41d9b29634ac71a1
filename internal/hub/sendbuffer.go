package hub

import "net"

// SendBufferSize is the kernel send buffer (SO_SNDBUF) of a subscriber's
// connection: what the server's kernel may hold for a client that stops
// reading. Left to itself, Linux grows a socket's send buffer with the
// traffic (net.ipv4.tcp_wmem, up to 4 MiB by default), so a frozen
// client's backlog would cost the server up to that much kernel memory
// until its write deadline drops it (measured: a frozen client read
// 3.9 MB that the server had held for it, and 192 KiB with the cap, its
// own receive window included; TestFrozen*). 64 KiB, which Linux doubles
// for its bookkeeping, takes a queue's worth of small updates (256 of
// 200 B) in one write(2); a larger batch is written as the client reads,
// under the write deadline. Over a network it bounds what one connection
// has in flight to about 128 KiB per round trip (1.3 MB/s at 100 ms),
// far more than an event stream or a page of the API needs.
const SendBufferSize = 64 << 10

// capSendBuffer sets c's send buffer to SendBufferSize when c is a TCP
// connection, or wraps one and has its SetWriteBuffer (a failure leaves
// the kernel's default, which only costs memory).
func capSendBuffer(c net.Conn) {
	if tc, ok := c.(interface{ SetWriteBuffer(int) error }); ok {
		tc.SetWriteBuffer(SendBufferSize)
	}
}

// CapSendBuffers returns ln, whose accepted connections have their send
// buffer capped to SendBufferSize: the listener of a server that serves
// the hub, so that the streams that stay on net/http (HTTP/2, TLS) are
// bounded as the hijacked HTTP/1.1 ones are (which the hub caps itself).
func CapSendBuffers(ln net.Listener) net.Listener { return sendBufferListener{ln} }

type sendBufferListener struct{ net.Listener }

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		capSendBuffer(c)
	}
	return c, err
}
