package hub

import "net"

// SendBufferSize is the kernel send buffer (SO_SNDBUF) of a subscriber's
// connection: what the server's kernel may hold for a client that stops
// reading. Left to itself, Linux grows a socket's send buffer with the
// traffic (net.ipv4.tcp_wmem, up to 4 MiB by default), so a frozen
// client's backlog would cost the server up to that much kernel memory
// until its write deadline drops it. 64 KiB (which Linux doubles for its
// bookkeeping) takes a burst of 256 updates of 200 B, a queue's worth,
// in one write(2); a larger batch is written as the client reads, under
// the write deadline. On loopback it still carries over 1 GB/s to a
// reader that keeps up; over a network it bounds one connection to
// 64 KiB in flight per round trip, which an event stream never needs.
const SendBufferSize = 64 << 10

// capSendBuffer sets c's send buffer to SendBufferSize when c is a TCP
// connection (a failure leaves the kernel's default, which only costs
// memory).
func capSendBuffer(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
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
