package main

import (
	"context"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// poller reads a worker's plain TCP streams from one goroutine: it takes
// each stream's socket from Go's network poller (a duplicate of its
// descriptor; the net.Conn is closed), waits in epoll (edge-triggered,
// see readFrom) for the sockets that have data, and reads each one until
// it is empty, most often in one read(2). So a delivery costs the tool
// one read and a share of one epoll_wait, not a goroutine woken and
// net/http's readers.
type poller struct {
	wk   *worker
	ctx  context.Context
	epfd int
	done chan struct{} // closed when run has ended every stream

	mu      sync.Mutex
	streams map[int32]*stream // by descriptor
	closed  bool              // ctx is over: add ends what it is given
}

// pollWait bounds each epoll_wait, so that the end of ctx is seen.
const pollWait = 100 // milliseconds

// newPoller starts the poller of wk's streams, which lives until ctx
// ends; nil if epoll is not to be had.
func newPoller(ctx context.Context, wk *worker) *poller {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	p := &poller{wk: wk, ctx: ctx, epfd: epfd, done: make(chan struct{}), streams: map[int32]*stream{}}
	go p.run()
	return p
}

// add takes st's socket and reads it from then on; false when st's
// connection is not a plain TCP one (TLS), which its own goroutine then
// reads.
func (p *poller) add(st *stream) bool {
	tc, ok := st.conn.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = dupCloseOnExec(int(f)) })
	if fd < 0 {
		return false
	}
	st.conn.Close() // the socket lives on in fd
	st.conn, st.fd = nil, fd
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.streams[int32(fd)] = st
	}
	p.mu.Unlock()
	if closed {
		syscall.Close(fd)
		p.wk.ended(p.ctx, st, p.ctx.Err())
		return true
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.end(st, err)
	}
	return true
}

// dupCloseOnExec duplicates fd, close-on-exec; -1 if it cannot.
func dupCloseOnExec(fd int) int {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return -1
	}
	return int(r)
}

// run reads the streams that have data until ctx ends, then ends every
// stream left.
func (p *poller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for p.ctx.Err() == nil {
		n, err := syscall.EpollWait(p.epfd, events, pollWait)
		if err != nil && err != syscall.EINTR {
			break
		}
		for _, ev := range events[:max(n, 0)] {
			p.mu.Lock()
			st := p.streams[ev.Fd]
			p.mu.Unlock()
			if st != nil {
				p.readFrom(st, buf)
			}
		}
	}
	p.mu.Lock()
	p.closed = true
	left := make([]*stream, 0, len(p.streams))
	for _, st := range p.streams {
		left = append(left, st)
	}
	p.mu.Unlock()
	for _, st := range left {
		p.end(st, p.ctx.Err())
	}
}

// readFrom reads what st's socket holds and parses it. The sockets are
// edge-triggered: epoll reports a socket once when data comes, not again
// at every wait while data is left (level-triggered epoll polls each
// reported socket once more at the next wait, a fifth of the tool's CPU
// in a fan-out to 19,000), so readFrom reads until the socket is empty:
// a read that fills buf may have left more.
func (p *poller) readFrom(st *stream, buf []byte) {
	for {
		n, err := syscall.Read(st.fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return
		case err != nil:
			p.end(st, err)
			return
		case n == 0:
			p.end(st, io.EOF)
			return
		}
		if err := st.received(buf[:n], time.Now()); err != nil || st.finished {
			p.end(st, err)
			return
		}
		if n < len(buf) {
			return // the socket is empty: data that comes after is a new edge
		}
	}
}

// epollET is EPOLLET as the uint32 of EpollEvent.Events.
const epollET = 1 << 31

// end closes st's socket and counts its stream over, once: the first
// to take it out of the poller's streams does.
func (p *poller) end(st *stream, err error) {
	p.mu.Lock()
	ours := p.streams[int32(st.fd)] == st // a descriptor closed may be another stream's now
	if ours {
		delete(p.streams, int32(st.fd))
	}
	p.mu.Unlock()
	if !ours {
		return
	}
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, st.fd, nil)
	syscall.Close(st.fd)
	p.wk.ended(p.ctx, st, err)
}

// close waits for run to end and releases the epoll descriptor.
func (p *poller) close() {
	if p == nil {
		return
	}
	<-p.done
	syscall.Close(p.epfd)
}
